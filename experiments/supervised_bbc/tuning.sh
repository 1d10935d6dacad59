#!/usr/bin/env bash
# How the recipe in run.sh was chosen: each variant on three tuning seeds (100-102: other splits
# than the reported seeds 0-2), compared by best validation accuracy; test figures are recorded
# but were not used to choose. Writes experiments/supervised_bbc/tuning.csv.
# VARIANTS="L M" limits the run to some variants; JOBS=2 runs two seeds at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=(task=supervised model=lstm data=bbc_news model.embedding_dim=100 model.hidden_size=64
  model.max_length=300 model.pooling=mean_max model.word_dropout=0.1 model.dropout=0.3
  model.max_vocab=5000 model.min_freq=3 fit.batch_size=32 fit.epochs=12 fit.patience=12
  fit.grad_clip=1.0 fit.fisher_samples=320 fit.optimizer.lr=3e-3 progress_bar=false
  '+fit.scheduler={_target_:torch.optim.lr_scheduler.CosineAnnealingLR,_partial_:true,T_max:12}')
declare -A VARIANT=(
  [A]=""
  [B]="model.word_dropout=0.25"
  [C]="model.max_length=1000"
  [D]="model.max_vocab=20000 model.min_freq=2"
  [E]="fit.epochs=20 fit.scheduler.T_max=20"
  [F]="model.word_dropout=0.25 model.max_length=1000"
  [L]="fit.epochs=20 fit.scheduler.T_max=20 model.embedding_init=cooccurrence"
  [M]="model.embedding_init=cooccurrence"
  [N]="fit.epochs=20 fit.scheduler.T_max=20 model.embedding_init=cooccurrence model.word_dropout=0.25"
  [Q]="fit.epochs=20 fit.scheduler.T_max=20 model.embedding_init=cooccurrence model.max_vocab=20000 model.min_freq=2"
)
for v in ${VARIANTS:-A B C D E F L M N Q}; do
  # shellcheck disable=SC2086
  .venv/bin/rl-evolve -m experiment=supervised_bbc_tuning/$v seed=100,101,102 "${BASE[@]}" ${VARIANT[$v]} \
    hydra/launcher=joblib hydra.launcher.n_jobs=${JOBS:-1}
done
.venv/bin/python experiments/supervised_bbc/tuning_table.py runs/supervised_bbc_tuning \
  --out experiments/supervised_bbc/tuning.csv
