"""CartPole-v1 physics. ``length`` is half the pole's length, as in Gymnasium's equations."""

from rl_evolve.envs.dynamics import DynamicsSpec, Param


def _derive(env) -> None:
    # CartPole caches these in __init__; stale values are CARL's bug.
    env.total_mass = env.masspole + env.masscart
    env.polemass_length = env.masspole * env.length


SPEC = DynamicsSpec(
    params={
        "gravity": Param(9.8, 0.1, 50.0),
        "masscart": Param(1.0, 0.05, 20.0),
        "masspole": Param(0.1, 0.005, 5.0),
        "length": Param(0.5, 0.05, 5.0),
        "force_mag": Param(10.0, 0.5, 100.0),
        "tau": Param(0.02, 0.001, 0.1),
    },
    derive=_derive,
)
