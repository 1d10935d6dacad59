#!/usr/bin/env bash
# DQN on CartPole-v1: an Optuna study over zoo's DQN search space (conf/tune/dqn.yaml), 40 trials
# of 20k steps on each of 3 seeds, median pruning, two workers sharing the study's SQLite storage;
# then the best parameters against zoo's tuned defaults on 5 fresh seeds at the same 20k budget.
# WORKERS=1 runs one worker; FRESH="100,101" other fresh seeds. Then the report (README.md's tables).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/tuning_dqn_cartpole
RUNS=runs/tuning_dqn_cartpole
STUDY=$PWD/$RUNS/study
WORKERS=${WORKERS:-2}
FRESH=${FRESH:-100,101,102,103,104}
workers=$(seq -s, 0 $((WORKERS - 1)))
.venv/bin/rl-evolve -m task=tune algo=dqn env=cartpole experiment=tuning_dqn_cartpole/workers \
    tune.dir="$STUDY" tune.worker="$workers" hydra/launcher=joblib hydra.launcher.n_jobs="$WORKERS"
# The same budget and evaluations for both: 20k steps, 10 episodes every 1k steps.
fresh=(algo=dqn env=cartpole total_timesteps=20000 eval.freq=1000 eval.n_episodes=10 seed="$FRESH"
       progress_bar=false hydra/launcher=joblib hydra.launcher.n_jobs=2)
.venv/bin/rl-evolve -m "${fresh[@]}" experiment=tuning_dqn_cartpole/zoo
.venv/bin/rl-evolve -m "${fresh[@]}" experiment=tuning_dqn_cartpole/tuned \
    "hydra.searchpath=[file://$STUDY]" +tuned=best
.venv/bin/python "$OUT/report.py" "$RUNS" --out "$OUT"
# The same comparison as any sweep report (IQM, probability of improvement, curves).
.venv/bin/rl-evolve-report "$RUNS/zoo" "$RUNS/tuned" --out "$OUT/sweep_report"
