#!/usr/bin/env bash
# Each seed's identifier scored outside its training range: 50 episodes the blind agent plays
# with the physics drawn outside it (task=collect), read by the identifier run.sh (or
# run_pendulum.sh) trained inside it. Writes identifier_outside.json (CartPole: lengths in
# [1.5, 3.0], trained on [0.25, 1.0]) or, with STUDY=pendulum, identifier_outside_pendulum.json
# (m and l in [1.6, 2.5], trained on [0.5, 1.5]). Run after the study's run script.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/physics_inference
STUDY=${STUDY:-cartpole}
SEEDS=${SEEDS:-"0 1 2 3 4"}
export OMP_NUM_THREADS=1
if [ "$STUDY" = pendulum ]; then
    RUNS=${RUNS:-runs/physics_inference_pendulum}
    OUTSIDE=(env=pendulum '+dynamics.ranges.m=[1.6,2.5]' '+dynamics.ranges.l=[1.6,2.5]')
    RESULT="$OUT/identifier_outside_pendulum.json"
else
    RUNS=${RUNS:-runs/physics_inference}
    OUTSIDE=('+dynamics.ranges.length=[1.5,3.0]')
    RESULT="$OUT/identifier_outside.json"
fi
for seed in $SEEDS; do
    dir="$RUNS/s$seed/sysid/collect_outside"
    [ -f "$dir/dataset.npz" ] || .venv/bin/rl-evolve task=collect progress_bar=false seed="$((seed + 500))" \
        "${OUTSIDE[@]}" sysid.episodes=50 sysid.policy="$RUNS/s$seed/blind" hydra.run.dir="$dir"
done
.venv/bin/python - "$RUNS" "$RESULT" $SEEDS <<'PY'
import json, sys
from pathlib import Path
import numpy as np
from rl_evolve.sysid.data import Episodes, window_dataset
from rl_evolve.sysid.identifier import load_identifier
from rl_evolve.envs.dynamics import load_spec
from rl_evolve.tasks.identify import r2_scores
runs, out, seeds = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
scores = {}
for seed in seeds:
    identifier = load_identifier(runs / f"s{seed}" / "sysid" / "identify")
    data = Episodes.load(runs / f"s{seed}" / "sysid" / "collect_outside")
    x, truth = window_dataset(data, np.arange(len(data.rows)), identifier.shape.window)
    estimate = identifier.unscale(identifier.estimate(x))
    spec = load_spec(data.provenance["dynamics_spec"])
    per = {}
    for i, (name, r2) in enumerate(zip(identifier.shape.names, r2_scores(truth, estimate))):
        mae = float(np.abs(truth[:, i] - estimate[:, i]).mean())
        per[name] = {"r2": r2, "mae": mae, "mae_of_spec_range": mae / (spec.params[name].high - spec.params[name].low),
                     "mean_estimate": float(estimate[:, i].mean()), "mean_truth": float(truth[:, i].mean())}
    # one parameter: its scores at the top level (the CartPole file's layout)
    scores[f"s{seed}"] = per[identifier.shape.names[0]] if len(per) == 1 else per
    print(seed, scores[f"s{seed}"])
out.write_text(json.dumps(scores, indent=2) + "\n")
PY
