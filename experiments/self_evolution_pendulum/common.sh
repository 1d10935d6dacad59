# Sourced by this study's scripts (run.sh, run_takeover.sh, pilot.sh): what every seed needs before
# a loop runs on it. Expects RUNS; sets world=(...) for the seed's deployments.
export OMP_NUM_THREADS=1
done_run() { [ -f "$1/summary.json" ] && grep -q '"status": "completed"' "$1/summary.json"; }
# seed_with_baselines SEED: the seed's champion (the plain command: the zoo's Pendulum table, 20k
# steps), then its static and continual deployments, each once; world=(...) holds the deployment's
# shared overrides afterwards
seed_with_baselines() {
    local seed=$1 champion="$RUNS/champions/s$1" strategy dir
    done_run "$champion" || .venv/bin/rl-evolve algo=sac env=pendulum seed="$seed" progress_bar=false \
        hydra.run.dir="$champion"
    world=(task=evolve algo=sac env=pendulum dynamics=pendulum_gravity_recurring evolve.steps=40000
           seed="$seed" evolve.champion="$champion" progress_bar=false)
    for strategy in static continual; do
        dir="$RUNS/s$seed/$strategy"
        done_run "$dir" || .venv/bin/rl-evolve "${world[@]}" evolve.strategy="$strategy" hydra.run.dir="$dir"
    done
}
