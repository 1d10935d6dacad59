#!/usr/bin/env bash
# PER vs uniform DQN on CartPole-v1, zoo-tuned defaults, 50k steps, 5 seeds each.
# Writes runs/per_cartpole/multirun_<time>/<overrides>/, then the table and raw results here.
# REPLAY=prioritized experiments/per_cartpole/run.sh runs one scheme only.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/rl-evolve -m experiment=per_cartpole algo=dqn replay="${REPLAY:-uniform,prioritized}" \
  seed=0,1,2,3,4 eval.freq=2000 eval.n_episodes=10 progress_bar=false \
  hydra/launcher=joblib hydra.launcher.n_jobs=2
.venv/bin/python experiments/per_cartpole/report.py runs/per_cartpole
