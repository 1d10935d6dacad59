# Sourced by this study's scripts (run.sh, run_takeover.sh, pilot.sh) and by
# experiments/self_evolution_hopper/'s: what every seed needs before a loop runs on it. The
# defaults are this study's (registrations on seeds 0-4); a study on another world sets them.
export OMP_NUM_THREADS=1
OUT=${OUT:-experiments/self_evolution_pendulum}
RUNS=${RUNS:-runs/self_evolution_pendulum}
SEEDS=${SEEDS:-0 1 2 3 4}
ALGO=${ALGO:-sac}
WORLD_ENV=${WORLD_ENV:-pendulum}
DYNAMICS=${DYNAMICS:-pendulum_gravity_recurring}
STEPS=${STEPS:-40000}
read -r -a CHAMPION_ARGS <<< "${CHAMPION_ARGS:-}"  # the champion's overrides beyond its table's
# transfer.random_warmup=true: this study's runs were made when a transferred agent still acted
# uniformly at random for its table's learning_starts steps; it keeps them reproducible
read -r -a DEPLOY_ARGS <<< "${DEPLOY_ARGS-transfer.random_warmup=true}"
done_run() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }
# champion_seed SEED: the seed of the champion deployed on SEED (its own unless CHAMPION_SEED_OF
# names a function that maps it: one champion shared by several deployment seeds)
champion_seed() { if [ -n "${CHAMPION_SEED_OF:-}" ]; then "$CHAMPION_SEED_OF" "$1"; else echo "$1"; fi; }
# seed_with_baselines SEED: the seed's champion (the plain command: the zoo's table), then its
# static and continual deployments, each once; world=(...) holds the deployment's shared
# overrides afterwards
seed_with_baselines() {
    local seed=$1 trained strategy dir champion
    trained=$(champion_seed "$seed")
    champion="$RUNS/champions/s$trained"
    done_run "$champion" || .venv/bin/rl-evolve algo="$ALGO" env="$WORLD_ENV" seed="$trained" progress_bar=false \
        "${CHAMPION_ARGS[@]}" hydra.run.dir="$champion"
    world=(task=evolve algo="$ALGO" env="$WORLD_ENV" dynamics="$DYNAMICS" evolve.steps="$STEPS"
           seed="$seed" evolve.champion="$champion" progress_bar=false "${DEPLOY_ARGS[@]}")
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
# run_pilot NAME OVERRIDES...: run_registration's runs on pilot seeds (100 and above, refused
# below), without the report: pilots choose settings, they are not results
run_pilot() {
    local name=$1 seed dir
    shift
    for seed in $SEEDS; do
        if [ "$seed" -lt 100 ]; then echo "pilot seeds are 100 and above, not $seed" >&2; exit 2; fi
        seed_with_baselines "$seed"
        dir="$RUNS/s$seed/$name"
        done_run "$dir" || .venv/bin/rl-evolve "${world[@]}" "$@" hydra.run.dir="$dir"
    done
}
