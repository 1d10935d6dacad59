#!/usr/bin/env bash
# Piloting the self-evolution loop on a MuJoCo world (pilot seeds 100 and above, never the
# reported 0-9; pilots are not results): one SAC champion for every pilot seed (Hopper-v5, the
# zoo's table, 200k steps, seed 100: experiments/mujoco_worlds' champion command), deployed where
# the torso's mass doubles twice (dynamics=hopper_torso_recurring, 60k world steps) under static,
# continual and the loop with the Pendulum study's shadow settings plus VARIANT's overrides, in
# runs/self_evolution_hopper_pilot/s<seed>/<NAME>.
#   NAME=takeover VARIANT="evolve.shadow_takeover=true evolve.shadow_model_at_promotion=true" SEEDS="100 101" bash pilot.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=runs/self_evolution_hopper_pilot
SEEDS=${SEEDS:-100 101}
NAME=${NAME:?set NAME, the folder of the pilot variant}
read -r -a VARIANT <<< "${VARIANT:-}"
ALGO=sac WORLD_ENV=hopper DYNAMICS=hopper_torso_recurring STEPS=60000 DEPLOY_ARGS=
CHAMPION_ARGS="total_timesteps=200000 eval.freq=50000"
pilot_champion() { echo 100; }
CHAMPION_SEED_OF=pilot_champion
source experiments/self_evolution_pendulum/common.sh
run_pilot "$NAME" evolve.shadow=true evolve.gate_every=10 evolve.explore=0.05 "${VARIANT[@]}"
