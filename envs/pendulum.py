"""Pendulum-v1 physics: ``g``, ``m``, ``l`` and ``max_torque``.

``max_torque`` also bounds the action space; the env's ``action_space`` follows it. An agent
keeps the space it was built with, so torques beyond it stay out of its reach.
"""

import numpy as np
from gymnasium import spaces

from rl_evolve.envs.dynamics import DynamicsSpec, Param


def _derive(env) -> None:
    if float(env.action_space.high[0]) != env.max_torque:
        env.action_space = spaces.Box(-env.max_torque, env.max_torque, shape=(1,), dtype=np.float32)


SPEC = DynamicsSpec(
    params={
        "g": Param(10.0, 0.1, 50.0),
        "m": Param(1.0, 0.05, 10.0),
        "l": Param(1.0, 0.1, 5.0),
        "max_torque": Param(2.0, 0.1, 10.0),
    },
    derive=_derive,
)
