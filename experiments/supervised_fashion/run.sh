#!/usr/bin/env bash
# CNN on the 70,000 Fashion-MNIST images (needs `apt-get install dataset-fashion-mnist`, or
# data.root=<folder with the four IDX .gz files>), 3 seeds.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
.venv/bin/rl-evolve -m experiment=supervised_fashion task=supervised model=cnn data=fashion_mnist \
  seed=0,1,2 fit.epochs=10 fit.patience=4 progress_bar=false \
  '+fit.scheduler={_target_:torch.optim.lr_scheduler.CosineAnnealingLR,_partial_:true,T_max:10}'
.venv/bin/python - <<'PY'
import json, pathlib, statistics
rows = [json.loads(p.read_text()) for p in sorted(pathlib.Path("runs/supervised_fashion").rglob("summary.json"))]
out = [{"seed": r["seed"], "test_accuracy": r["test"]["accuracy"], "test_f1": r["test"]["f1"],
        "best_epoch": r["best_epoch"], "epochs_run": r["epochs_run"], "wall_time_s": r.get("wall_time_s")} for r in rows]
pathlib.Path("experiments/supervised_fashion/results.json").write_text(json.dumps(out, indent=2) + "\n")
acc = [r["test_accuracy"] for r in out]
print(out)
print(f"test accuracy mean {statistics.mean(acc):.4f}, min {min(acc):.4f}, max {max(acc):.4f}")
PY
