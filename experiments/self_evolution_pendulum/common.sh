# Sourced by this study's scripts (run.sh, run_takeover.sh, run_dyna.sh, pilot.sh): what every seed
# needs before a loop runs on it. OUT, RUNS and SEEDS default to the registrations' (seeds 0-4).
export OMP_NUM_THREADS=1
OUT=${OUT:-experiments/self_evolution_pendulum}
RUNS=${RUNS:-runs/self_evolution_pendulum}
SEEDS=${SEEDS:-0 1 2 3 4}
done_run() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }
# seed_with_baselines SEED: the seed's champion (the plain command: the zoo's Pendulum table, 20k
# steps), then its static and continual deployments, each once; world=(...) holds the deployment's
# shared overrides afterwards
seed_with_baselines() {
    local seed=$1 champion="$RUNS/champions/s$1" strategy dir
    done_run "$champion" || .venv/bin/rl-evolve algo=sac env=pendulum seed="$seed" progress_bar=false \
        hydra.run.dir="$champion"
    # transfer.random_warmup=true: these runs were made when a transferred agent still acted
    # uniformly at random for its table's learning_starts steps; it keeps them reproducible
    world=(task=evolve algo=sac env=pendulum dynamics=pendulum_gravity_recurring evolve.steps=40000
           seed="$seed" evolve.champion="$champion" progress_bar=false transfer.random_warmup=true)
    for strategy in static continual; do
        dir="$RUNS/s$seed/$strategy"
        done_run "$dir" || .venv/bin/rl-evolve "${world[@]}" evolve.strategy="$strategy" hydra.run.dir="$dir"
    done
}
# run_registration NAME OVERRIDES...: for each seed of SEEDS its baselines, then the loop with
# the deployment's overrides plus OVERRIDES in RUNS/s<seed>/NAME (once); then the report over RUNS
run_registration() {
    local name=$1 seed dir
    shift
    for seed in $SEEDS; do
        seed_with_baselines "$seed"
        dir="$RUNS/s$seed/$name"
        done_run "$dir" || .venv/bin/rl-evolve "${world[@]}" "$@" hydra.run.dir="$dir"
    done
    .venv/bin/rl-evolve-report "$RUNS" --out "$OUT"
}
