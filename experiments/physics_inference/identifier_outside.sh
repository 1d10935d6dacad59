#!/usr/bin/env bash
# Each seed's identifier scored outside its training range: 50 episodes the blind agent plays at
# lengths drawn in [1.5, 3.0] (task=collect), read by the identifier run.sh trained on [0.25, 1.0].
# Writes identifier_outside.json here. Run after run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/physics_inference
RUNS=${RUNS:-runs/physics_inference}
SEEDS=${SEEDS:-"0 1 2 3 4"}
export OMP_NUM_THREADS=1
for seed in $SEEDS; do
    dir="$RUNS/s$seed/sysid/collect_outside"
    [ -f "$dir/dataset.npz" ] || .venv/bin/rl-evolve task=collect progress_bar=false seed="$((seed + 500))" \
        '+dynamics.ranges.length=[1.5,3.0]' sysid.episodes=50 sysid.policy="$RUNS/s$seed/blind" hydra.run.dir="$dir"
done
.venv/bin/python - "$RUNS" "$OUT/identifier_outside.json" $SEEDS <<'PY'
import json, sys
from pathlib import Path
import numpy as np
from rl_evolve.sysid.data import Episodes, window_dataset
from rl_evolve.sysid.identifier import load_identifier
from rl_evolve.tasks.identify import r2_scores
runs, out, seeds = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
scores = {}
for seed in seeds:
    identifier = load_identifier(runs / f"s{seed}" / "sysid" / "identify")
    data = Episodes.load(runs / f"s{seed}" / "sysid" / "collect_outside")
    x, truth = window_dataset(data, np.arange(len(data.rows)), identifier.shape.window)
    estimate = identifier.unscale(identifier.estimate(x))
    (r2,) = r2_scores(truth, estimate)
    scores[f"s{seed}"] = {"r2": r2, "mae": float(np.abs(truth - estimate).mean()),
                          "mean_estimate": float(estimate.mean()), "mean_truth": float(truth.mean())}
    print(seed, scores[f"s{seed}"])
out.write_text(json.dumps(scores, indent=2) + "\n")
PY
