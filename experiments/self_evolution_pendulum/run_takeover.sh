#!/usr/bin/env bash
# Registration 2 of this study (README.md): the shadow loop of run.sh with the shadow learner
# taking service while the champion serves below its home level (evolve.shadow_takeover=true),
# on seeds 0-4, beside the champions, static and continual runs of registration 1 (their code
# path is unchanged since 9f65fbb; a seed without them gets them here, with run.sh's commands).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/self_evolution_pendulum/common.sh
# (registration 2 ran at 9e4cbfc, where a promoted copy's model was always fitted at promotion;
# since, that is evolve.shadow_model_at_promotion=true, set here so the script runs the same loop)
LOOP=(evolve.shadow=true evolve.gate_every=10 evolve.explore=0.05 evolve.shadow_takeover=true
      evolve.shadow_model_at_promotion=true)
run_registration takeover "${LOOP[@]}"
