#!/usr/bin/env bash
# DQN through the mountaincar_engine curriculum: scratch (transfer=none), full, trunk and
# full + EWC, 5 seeds each, one process at a time per sweep (JOBS=2 runs two in parallel).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/curriculum_mountaincar
RUNS=runs/$(basename "$OUT")
SEEDS=${SEEDS:-0,1,2,3,4}
JOBS=${JOBS:-1}
common=(curriculum=mountaincar_engine algo=dqn experiment=curriculum_mountaincar runs_dir=runs
        progress_bar=false seed="$SEEDS" hydra/launcher=joblib hydra.launcher.n_jobs="$JOBS")
.venv/bin/rl-evolve -m "${common[@]}" transfer=none,full,trunk
.venv/bin/rl-evolve -m "${common[@]}" transfer=full transfer.penalty=ewc transfer.strength=${STRENGTH:-100}
.venv/bin/rl-evolve-report "$RUNS" --out "$OUT"
