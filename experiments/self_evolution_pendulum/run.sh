#!/usr/bin/env bash
# Self-evolution on a continuous world: one SAC champion per seed (standard Pendulum-v1, the zoo's
# table, 20k steps), deployed where gravity switches 10 -> 16 -> 10 -> 13 -> 16 (8k world steps
# each) under static, continual and the loop with a shadow learner; then the report.
# Pre-registered in README.md. Seed by seed (each seed's runs complete before the next begins),
# so a batch of seeds can be committed on its own: SEEDS="0 1 2" now, SEEDS="3 4" later.
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/self_evolution_pendulum/common.sh
# the loop's settings: the CartPole study's (experiments/self_evolution_shadow), not re-chosen here
SHADOW=(evolve.shadow=true evolve.gate_every=10 evolve.explore=0.05)
run_registration shadow "${SHADOW[@]}"
