#!/usr/bin/env bash
# Registration 2 of this study (README.md, "Registration 2"): the shadow loop of run.sh with a
# winsorised CUSUM (evolve.detector.clip=5), on registration 1's two worlds beside its champions,
# static and continual runs (seeds 0-9, SEEDS), on the burst world with its own static and
# continual, and on the two stationary worlds (the constant one and pole 0.8, where the champion
# sometimes fails; STATIONARY_SEEDS, 0-4) beside static; then the report over both registrations.
# Seed by seed, each run once, so a batch of seeds can be committed on its own.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/self_evolution_shadow
RUNS=runs/self_evolution_shadow
SEEDS=${SEEDS:-0 1 2 3 4 5 6 7 8 9}
STATIONARY_SEEDS=${STATIONARY_SEEDS:-0 1 2 3 4}
export OMP_NUM_THREADS=1
LOOP=(evolve.shadow=true evolve.gate_every=10 evolve.explore=0.05 evolve.detector.clip=5)
# transfer.random_warmup=true: registration 1's baselines were made when a transferred agent
# still acted at random for its table's learning_starts steps; this registration keeps that
common=(task=evolve algo=dqn progress_bar=false transfer.random_warmup=true)
done_run() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }
champion() {  # run.sh's champion command, when registration 1 has not left it
    [ -f "$RUNS/champions/s$1/checkpoints/last.zip" ] ||
        .venv/bin/rl-evolve algo=dqn env=cartpole seed="$1" progress_bar=false hydra.run.dir="$RUNS/champions/s$1"
}
deploy() {  # world seed name overrides...: one run, once, in RUNS/registration2/<world>/<name>/s<seed>
    local world=$1 seed=$2 name=$3 dir
    shift 3
    dir="$RUNS/registration2/$world/$name/s$seed"
    done_run "$dir" || .venv/bin/rl-evolve "${common[@]}" dynamics="$world" seed="$seed" \
        evolve.champion="$RUNS/champions/s$seed" "$@" hydra.run.dir="$dir"
}
for seed in $SEEDS; do
    champion "$seed"
    deploy cartpole_recurring "$seed" shadow_clip "${LOOP[@]}"
    deploy cartpole_pole_drift "$seed" shadow_clip "${LOOP[@]}"
    deploy cartpole_pole_burst "$seed" static evolve.strategy=static
    deploy cartpole_pole_burst "$seed" continual evolve.strategy=continual
    deploy cartpole_pole_burst "$seed" shadow_clip "${LOOP[@]}"
done
for seed in $STATIONARY_SEEDS; do
    champion "$seed"
    deploy constant "$seed" shadow_clip "${LOOP[@]}"
    deploy cartpole_pole_0_8 "$seed" static evolve.strategy=static
    deploy cartpole_pole_0_8 "$seed" shadow_clip "${LOOP[@]}"
done
.venv/bin/rl-evolve-report "$RUNS" --out "$OUT"
