#!/usr/bin/env bash
# CNN on the 70,000 Fashion-MNIST images (needs `apt-get install dataset-fashion-mnist`, or
# data.root=<folder with the four IDX .gz files>), 3 seeds, with every default:
# conf/data/fashion_mnist.yaml carries the recipe (10 epochs, cosine schedule, patience 4).
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/rl-evolve -m experiment=supervised_fashion task=supervised model=cnn data=fashion_mnist seed=0,1,2 \
  progress_bar=false hydra/launcher=joblib hydra.launcher.n_jobs=${JOBS:-1}
.venv/bin/python experiments/supervised_table.py runs/supervised_fashion --out experiments/supervised_fashion/results.json
