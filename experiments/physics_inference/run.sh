#!/usr/bin/env bash
# Agents that infer the physics they are in (CartPole pole length): five agents per seed, the
# same 100k-step budget each, trained on lengths drawn per episode in [0.25, 1.0] except the
# first, scored on a grid of lengths inside and outside that range (10 deterministic episodes per
# cell). summarise.py then writes results.csv (one row per seed, agent and cell) and README's table.
#   standard   PPO at the default length only (lower reference)
#   blind      PPO, domain-randomised, sees no context
#   recurrent  RecurrentPPO, domain-randomised, sees no context (must infer it from its history)
#   observed   PPO, domain-randomised, observing the true length (upper reference)
#   estimated  PPO, domain-randomised, observing an identifier's estimate: an LSTM trained
#              (task=identify) on 200 episodes the blind agent played (stochastically) under the
#              same randomisation (task=collect)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/physics_inference
RUNS=${RUNS:-runs/physics_inference}
STEPS=${STEPS:-100000}  # smaller for a smoke run only; the study is 100k
SEEDS=${SEEDS:-"0 1 2 3 4"}
export OMP_NUM_THREADS=1
RANGE='+dynamics.ranges.length=[0.25,1.0]'
GRID='+eval.grid.length=[0.25,0.5,0.75,1.0,1.5,2.0,2.5,3.0]'
rl() { .venv/bin/rl-evolve progress_bar=false "$@"; }
done_run() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }
train() {  # name seed overrides...
    local dir="$RUNS/s$2/$1"
    done_run "$dir" || rl seed="$2" total_timesteps="$STEPS" "${@:3}" hydra.run.dir="$dir"
    done_run "$dir/map" || rl task=evaluate source="$dir" seed="$2" eval.n_episodes=10 "$GRID" \
        hydra.run.dir="$dir/map"
}
for seed in $SEEDS; do
    train standard "$seed"
    train blind "$seed" dynamics=random "$RANGE"
    train recurrent "$seed" algo=recurrent_ppo dynamics=random "$RANGE"
    train observed "$seed" dynamics=random "$RANGE" 'env.observe=[length]'
    sysid="$RUNS/s$seed/sysid"
    done_run "$sysid/collect" || rl task=collect seed="$seed" "$RANGE" sysid.episodes="${COLLECT:-200}" \
        sysid.policy="$RUNS/s$seed/blind" hydra.run.dir="$sysid/collect"
    done_run "$sysid/identify" || rl task=identify seed="$seed" sysid.data="$sysid/collect" sysid.epochs="${EPOCHS:-20}" \
        hydra.run.dir="$sysid/identify"
    train estimated "$seed" dynamics=random "$RANGE" env.observe_estimated="$sysid/identify"
done
.venv/bin/python "$OUT/summarise.py" "$RUNS" --out "$OUT"
