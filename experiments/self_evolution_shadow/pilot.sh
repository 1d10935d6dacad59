#!/usr/bin/env bash
# Piloting a loop setting on the pilot seeds only (100-104; never the reported seeds 0-9): each
# seed's DQN champion (once), then the shadow loop of run.sh plus VARIANT's overrides in every
# world of WORLDS, in runs/<pilot>/<world>/<NAME>/s<seed>. Pilots are not results: they choose
# the defaults a pre-registration then fixes.
#   NAME=clip5 VARIANT="evolve.detector.clip=5" WORLDS="constant cartpole_pole_0_8" bash pilot.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_NUM_THREADS=1
RUNS=${RUNS:-runs/self_evolution_shadow_pilot}
SEEDS=${SEEDS:-100 101 102 103 104}
WORLDS=${WORLDS:-constant cartpole_pole_0_8 cartpole_recurring cartpole_pole_drift}
NAME=${NAME:?set NAME, the folder of the pilot variant}
read -r -a VARIANT <<< "${VARIANT:-}"
SHADOW=(evolve.shadow=true evolve.gate_every=10 evolve.explore=0.05)
# transfer.random_warmup=true: these runs were made when a transferred agent still acted
# uniformly at random for its table's learning_starts steps; it keeps them reproducible
WARMUP=(transfer.random_warmup=true)
done_run() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }
for seed in $SEEDS; do
    if [ "$seed" -lt 100 ]; then echo "pilot seeds are 100 and above, not $seed" >&2; exit 2; fi
    champion="$RUNS/champions/s$seed"
    done_run "$champion" || .venv/bin/rl-evolve algo=dqn env=cartpole seed="$seed" progress_bar=false \
        hydra.run.dir="$champion"
    for world in $WORLDS; do
        dir="$RUNS/$world/$NAME/s$seed"
        done_run "$dir" || .venv/bin/rl-evolve task=evolve algo=dqn seed="$seed" dynamics="$world" \
            evolve.champion="$champion" progress_bar=false "${WARMUP[@]}" "${SHADOW[@]}" "${VARIANT[@]}" hydra.run.dir="$dir"
    done
done
