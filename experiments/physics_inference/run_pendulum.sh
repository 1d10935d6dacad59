#!/usr/bin/env bash
# The same five agents on a continuous env: Pendulum-v1 with its mass m and length l drawn per
# episode in [0.5, 1.5] each (the defaults are 1.0), SAC with the zoo's Pendulum table for the
# feed-forward agents, the same 20k-step budget each (the zoo's SAC budget), scored on a grid of
# m x l inside and outside that range (10 deterministic episodes per cell). RecurrentPPO is also
# trained at its own zoo budget (100k, agent recurrent_100k), beside the equal-budget row.
# summarise.py --env pendulum then writes results_pendulum.csv/.md, summary_pendulum.json.
#   standard   SAC at the default physics only (lower reference)
#   blind      SAC, domain-randomised, sees no context
#   recurrent  RecurrentPPO, domain-randomised, sees no context (must infer it from its history)
#   observed   SAC, domain-randomised, observing the true m and l (upper reference)
#   estimated  SAC, domain-randomised, observing an identifier's estimates: an LSTM trained
#              (task=identify) on 200 episodes the blind agent played (stochastically) under the
#              same randomisation (task=collect)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/physics_inference
RUNS=${RUNS:-runs/physics_inference_pendulum}
STEPS=${STEPS:-20000}  # smaller for a smoke run only; the study is 20k
RECURRENT_STEPS=${RECURRENT_STEPS:-100000}
SEEDS=${SEEDS:-"0 1 2 3 4"}
export OMP_NUM_THREADS=1
RANGE=('+dynamics.ranges.m=[0.5,1.5]' '+dynamics.ranges.l=[0.5,1.5]')
GRID=('+eval.grid.m=[0.5,1.0,1.5,2.0,2.5]' '+eval.grid.l=[0.5,1.0,1.5,2.0,2.5]')
rl() { .venv/bin/rl-evolve progress_bar=false env=pendulum "$@"; }
done_run() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }
train() {  # name seed steps overrides...
    local dir="$RUNS/s$2/$1"
    done_run "$dir" || rl seed="$2" total_timesteps="$3" "${@:4}" hydra.run.dir="$dir"
    done_run "$dir/map" || rl task=evaluate source="$dir" seed="$2" eval.n_episodes=10 "${GRID[@]}" \
        hydra.run.dir="$dir/map"
}
for seed in $SEEDS; do
    train standard "$seed" "$STEPS" algo=sac
    train blind "$seed" "$STEPS" algo=sac dynamics=random "${RANGE[@]}"
    train recurrent "$seed" "$STEPS" algo=recurrent_ppo dynamics=random "${RANGE[@]}"
    train observed "$seed" "$STEPS" algo=sac dynamics=random "${RANGE[@]}" 'env.observe=[m,l]'
    sysid="$RUNS/s$seed/sysid"
    done_run "$sysid/collect" || rl task=collect seed="$seed" "${RANGE[@]}" sysid.episodes="${COLLECT:-200}" \
        sysid.policy="$RUNS/s$seed/blind" hydra.run.dir="$sysid/collect"
    done_run "$sysid/identify" || .venv/bin/rl-evolve progress_bar=false task=identify seed="$seed" sysid.data="$sysid/collect" sysid.epochs="${EPOCHS:-20}" \
        hydra.run.dir="$sysid/identify"
    train estimated "$seed" "$STEPS" algo=sac dynamics=random "${RANGE[@]}" env.observe_estimated="$sysid/identify"
done
for seed in $SEEDS; do
    train recurrent_100k "$seed" "$RECURRENT_STEPS" algo=recurrent_ppo dynamics=random "${RANGE[@]}"
done
.venv/bin/python "$OUT/summarise.py" "$RUNS" --out "$OUT" --env pendulum
