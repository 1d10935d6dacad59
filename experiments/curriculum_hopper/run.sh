#!/usr/bin/env bash
# PPO through the hopper_heavy_torso curriculum (torso mass 1x, 2x, 1x, 3x): scratch
# (transfer=none) against full transfer, 5 seeds each. JOBS=2 runs two processes at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/curriculum_hopper
RUNS=runs/$(basename "$OUT")
SEEDS=${SEEDS:-0,1,2,3,4}
JOBS=${JOBS:-1}
OMP_NUM_THREADS=1 .venv/bin/rl-evolve -m curriculum=hopper_heavy_torso experiment=curriculum_hopper runs_dir=runs \
    progress_bar=false seed="$SEEDS" transfer=none,full hydra/launcher=joblib hydra.launcher.n_jobs="$JOBS"
.venv/bin/rl-evolve-report "$RUNS" --out "$OUT"
