#!/usr/bin/env bash
# What a champion trained at the default physics scores in each context of the shipped MuJoCo
# worlds (10 deterministic episodes per context), and a map of the Hopper champions over
# mass.torso x friction. PPO with the zoo's tables, 300k steps, seed 0, on both envs; on Hopper
# also SAC (the zoo's table, 200k steps, seed 0): at this budget PPO stands, SAC hops. Then
# table.py writes results.md from the grid CSVs.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=experiments/mujoco_worlds
RUNS=runs/mujoco_worlds
STEPS=${STEPS:-300000}
export OMP_NUM_THREADS=1
rl() { .venv/bin/rl-evolve progress_bar=false "$@"; }
for env in hopper half_cheetah; do
    [ -f "$RUNS/${env}_champion/summary.json" ] && grep -q '"completed"' "$RUNS/${env}_champion/summary.json" ||
        rl env=$env seed=0 total_timesteps="$STEPS" eval.freq=50000 hydra.run.dir="$RUNS/${env}_champion"
done
score() {  # champion, name, grid...: skipped when its grid is there
    [ -f "$RUNS/$2/grid.csv" ] ||
        rl task=evaluate source="$RUNS/$1_champion" seed=0 eval.n_episodes=10 "${@:3}" hydra.run.dir="$RUNS/$2"
}
score hopper hopper_heavy_torso '+eval.grid.mass.torso=[1,2,3]'
score hopper hopper_slippery '+eval.grid.friction=[0.1,0.25,1,2]'
score half_cheetah half_cheetah_gravity_drift '+eval.grid.gravity=[9.81,12.26,14.72,17.17,19.62]'
score hopper hopper_map '+eval.grid.mass.torso=[0.5,1,1.5,2,3]' '+eval.grid.friction=[0.1,0.25,0.5,1,2]'
[ -f "$RUNS/hopper_sac_champion/summary.json" ] && grep -q '"completed"' "$RUNS/hopper_sac_champion/summary.json" ||
    rl env=hopper algo=sac seed=0 total_timesteps="${SAC_STEPS:-200000}" eval.freq=50000 \
        hydra.run.dir="$RUNS/hopper_sac_champion"
score hopper_sac hopper_sac_heavy_torso '+eval.grid.mass.torso=[1,2,3]'
score hopper_sac hopper_sac_slippery '+eval.grid.friction=[0.1,0.25,1,2]'
score hopper_sac hopper_sac_map '+eval.grid.mass.torso=[0.5,1,1.5,2,3]' '+eval.grid.friction=[0.1,0.25,0.5,1,2]'
for name in hopper_heavy_torso hopper_slippery half_cheetah_gravity_drift hopper_map hopper_sac_heavy_torso \
        hopper_sac_slippery hopper_sac_map; do
    cp "$RUNS/$name/grid.csv" "$OUT/$name.csv"
done
cp "$RUNS/hopper_map/generalisation.png" "$OUT/hopper_map.png"
cp "$RUNS/hopper_sac_map/generalisation.png" "$OUT/hopper_sac_map.png"
.venv/bin/python "$OUT/table.py" > "$OUT/results.md"
