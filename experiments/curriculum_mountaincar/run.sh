#!/usr/bin/env bash
# DQN through the mountaincar_engine curriculum: scratch (transfer=none) and full transfer on
# 5 seeds, trunk on seed 0 (the same tensors as full here: every stage has the same shapes), and
# full + EWC at strengths 1, 10, 100, 1000 on 3 seeds. JOBS=2 runs two processes at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/curriculum_mountaincar
RUNS=runs/$(basename "$OUT")
JOBS=${JOBS:-1}
# transfer.random_warmup=true: these runs were made when a transferred agent still acted
# uniformly at random for its table's learning_starts steps; it keeps them reproducible
common=(curriculum=mountaincar_engine algo=dqn experiment=curriculum_mountaincar runs_dir=runs
        transfer.random_warmup=true progress_bar=false hydra/launcher=joblib hydra.launcher.n_jobs="$JOBS")
.venv/bin/rl-evolve -m "${common[@]}" seed="${SEEDS:-0,1,2,3,4}" transfer=none,full
.venv/bin/rl-evolve -m "${common[@]}" seed=0 transfer=trunk
.venv/bin/rl-evolve -m "${common[@]}" seed="${PENALTY_SEEDS:-0,1,2}" transfer=full transfer.penalty=ewc \
    transfer.strength="${STRENGTHS:-1,10,100,1000}"
.venv/bin/rl-evolve-report "$RUNS" --out "$OUT"
