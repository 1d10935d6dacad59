#!/usr/bin/env bash
# Self-evolution study: one PPO champion per seed (standard CartPole), deployed in two changing
# worlds under the four strategies, and on stationary dynamics (false alarms); then the report.
# SEEDS="0 1 2 3 4" by default; JOBS=2 runs two deployments at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/self_evolution
RUNS=runs/self_evolution
SEEDS=${SEEDS:-0 1 2 3 4}
JOBS=${JOBS:-1}
# The champions: task=evolve's own algorithm settings (conf/task/evolve.yaml), trained on the
# standard pole; each seed's deployments all start from its champion.
for seed in $SEEDS; do
  if [ ! -f "$RUNS/champions/s$seed/checkpoints/last.zip" ]; then
    .venv/bin/rl-evolve n_envs=1 algo.n_steps=256 algo.learning_rate_schedule=constant \
        algo.clip_range_schedule=constant seed="$seed" progress_bar=false \
        hydra.run.dir="$RUNS/champions/s$seed"
  fi
done
seeds=$(echo "$SEEDS" | tr ' ' ',')
common=(task=evolve experiment=self_evolution progress_bar=false seed="$seeds"
        "evolve.champion=$RUNS/champions/s\${seed}" hydra/launcher=joblib hydra.launcher.n_jobs="$JOBS")
.venv/bin/rl-evolve -m "${common[@]}" dynamics=cartpole_recurring,cartpole_pole_drift \
    evolve.strategy=evolve,static,continual,oracle
.venv/bin/rl-evolve -m "${common[@]}" dynamics=constant evolve.strategy=evolve
# The variant that also adapts a champion below 0.8 of the normalised scale without an alarm.
.venv/bin/rl-evolve -m "${common[@]}" dynamics=cartpole_recurring,cartpole_pole_drift \
    evolve.strategy=evolve evolve.improve_below=0.8
# ... and with each challenger continuing from the newest rejected one (evolve.challenger_from=latest).
.venv/bin/rl-evolve -m "${common[@]}" dynamics=cartpole_recurring,cartpole_pole_drift \
    evolve.strategy=evolve evolve.improve_below=0.8 evolve.challenger_from=latest
.venv/bin/rl-evolve-report "$RUNS" --out "$OUT"
