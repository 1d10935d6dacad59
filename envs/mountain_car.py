"""MountainCar-v0 (engine ``force``, ``gravity``) and MountainCarContinuous-v0 (engine ``power``).

Gymnasium's MountainCarContinuous writes its gravity as a literal (0.0025) inside ``step``; it
is no attribute, so only ``power`` can change there.
"""

from rl_evolve.envs.dynamics import DynamicsSpec, Param

SPEC = DynamicsSpec(
    params={
        "force": Param(0.001, 0.0001, 0.01),
        "gravity": Param(0.0025, 0.0001, 0.01),
    },
)

CONTINUOUS_SPEC = DynamicsSpec(params={"power": Param(0.0015, 0.0001, 0.01)})
