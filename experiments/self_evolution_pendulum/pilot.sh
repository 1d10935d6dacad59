#!/usr/bin/env bash
# Piloting a loop setting on the pilot seeds only (100-104; never the reported seeds 0-9): the
# champion, static and continual of each pilot seed (once), then the loop with the shadow
# settings of run.sh plus VARIANT's overrides, in runs/<pilot>/s<seed>/<NAME>. Pilots are not
# results: they choose the defaults a pre-registration then fixes.
#   NAME=takeover VARIANT="evolve.shadow_takeover=true" SEEDS="100 101" bash pilot.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-runs/self_evolution_pendulum_pilot}
SEEDS=${SEEDS:-100 101 102 103 104}
NAME=${NAME:?set NAME, the folder of the pilot variant}
read -r -a VARIANT <<< "${VARIANT:-}"
source experiments/self_evolution_pendulum/common.sh
run_pilot "$NAME" evolve.shadow=true evolve.gate_every=10 evolve.explore=0.05 "${VARIANT[@]}"
