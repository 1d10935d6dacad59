#!/usr/bin/env bash
# The LSTM with every default of conf/model/lstm.yaml and the fit defaults (hidden 128, 400
# tokens, 20,000-word vocabulary, 10 epochs, Adam 1e-3, batch 64) on BBC News, 3 seeds.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
.venv/bin/rl-evolve -m experiment=supervised_bbc_defaults task=supervised model=lstm data=bbc_news \
  seed=0,1,2 progress_bar=false hydra/launcher=joblib hydra.launcher.n_jobs=${JOBS:-1}
.venv/bin/python experiments/supervised_bbc/baseline.py runs/supervised_bbc_defaults \
  --out experiments/supervised_bbc/results_defaults.json
