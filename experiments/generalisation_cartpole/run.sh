#!/usr/bin/env bash
# Generalisation maps of two PPO CartPole agents (zoo-tuned defaults, 100k steps, seed 0): one
# trained on the standard pole, one with domain randomization (pole length 0.25-1.0 and mass
# 0.05-0.2 drawn each episode); each scored over pole length x pole mass, 10 episodes per cell.
# Copies grid.csv and generalisation.png of each here.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/generalisation_cartpole
RUNS=runs/generalisation_cartpole
SEED=${SEED:-0}
grid=('+eval.grid.length=[0.25,0.5,1.0,1.5,2.0]' '+eval.grid.masspole=[0.05,0.1,0.2,0.5]')
for name in standard randomised; do
  extra=()
  [ "$name" = randomised ] && extra=(dynamics=cartpole_domain_randomization)
  if [ ! -f "$RUNS/$name/checkpoints/last.zip" ]; then
    .venv/bin/rl-evolve seed="$SEED" "${extra[@]}" progress_bar=false hydra.run.dir="$RUNS/$name"
  fi
  .venv/bin/rl-evolve task=evaluate source="$RUNS/$name" eval.n_episodes=10 "${grid[@]}" \
      progress_bar=false hydra.run.dir="$RUNS/${name}_map"
  cp "$RUNS/${name}_map/grid.csv" "$OUT/grid_$name.csv"
  cp "$RUNS/${name}_map/generalisation.png" "$OUT/generalisation_$name.png"
done
