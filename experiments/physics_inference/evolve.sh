#!/usr/bin/env bash
# How much training the self-evolution loop needs with a champion that infers the physics,
# against a plain one: each seed's `standard` agent (PPO at the default pole) and its `estimated`
# agent (PPO observing its identifier's estimate, with that identifier) from run.sh, deployed
# under evolve.strategy=evolve in the recurring world (pole 0.5 -> 1.0 -> 0.5 -> 2.0 -> 1.0,
# 20k world steps each). The context one's loop also watches the estimate (evolve.signal=either).
# Run after run.sh; writes evolve_results.csv here.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/physics_inference
RUNS=${RUNS:-runs/physics_inference}
SEEDS=${SEEDS:-"0 1 2"}
export OMP_NUM_THREADS=1
rl() { .venv/bin/rl-evolve progress_bar=false task=evolve dynamics=cartpole_recurring evolve.strategy=evolve "$@"; }
done_run() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }
for seed in $SEEDS; do
    dir="$RUNS/s$seed/evolve"
    done_run "$dir/plain" || rl seed="$seed" evolve.champion="$RUNS/s$seed/standard" hydra.run.dir="$dir/plain"
    done_run "$dir/context" || rl seed="$seed" evolve.champion="$RUNS/s$seed/estimated" \
        env.observe_estimated="$RUNS/s$seed/sysid/identify" hydra.run.dir="$dir/context"
done
.venv/bin/python - "$RUNS" "$OUT/evolve_results.csv" <<'PY'
import csv, json, sys
from pathlib import Path
runs, out = Path(sys.argv[1]), Path(sys.argv[2])
rows = []
for summary in sorted(runs.glob("s*/evolve/*/summary.json")):
    s = json.loads(summary.read_text())
    rows.append({"seed": summary.parts[-4][1:], "champion": summary.parent.name,
                 "time_weighted_normalised_return": s["time_weighted_normalised_return"],
                 "training_steps": s["training_steps"], "alarms": len(s["alarms"]),
                 "adaptations": len(s["adaptations"]), "steps": s["timesteps"]})
with out.open("w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
for r in rows:
    print(r)
PY
