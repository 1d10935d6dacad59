"""LunarLander-v3 physics: ``gravity`` (lives in the Box2D world), ``wind_power`` and
``turbulence_power`` (they act only when the env was made with ``enable_wind=True``)."""

from rl_evolve.envs.dynamics import DynamicsSpec, Param


def _derive(env) -> None:
    # reset() rebuilds the world from env.gravity; a change mid-episode must reach the world too.
    if getattr(env, "world", None) is not None:
        env.world.gravity = (0.0, env.gravity)


SPEC = DynamicsSpec(
    params={
        "gravity": Param(-10.0, -11.99, -0.01),
        "wind_power": Param(15.0, 0.0, 20.0),
        "turbulence_power": Param(1.5, 0.0, 2.0),
    },
    derive=_derive,
)
