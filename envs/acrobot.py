"""Acrobot-v1 physics: link lengths, masses and moment of inertia (shared by both links).

Each link's centre of mass is kept at half its length (Gymnasium's defaults: length 1, centre
0.5), so changing a length moves the centre of mass with it.
"""

from rl_evolve.envs.dynamics import DynamicsSpec, Param


def _derive(env) -> None:
    env.LINK_COM_POS_1 = env.LINK_LENGTH_1 / 2
    env.LINK_COM_POS_2 = env.LINK_LENGTH_2 / 2


SPEC = DynamicsSpec(
    params={
        "link_length_1": Param(1.0, 0.1, 5.0, attr="LINK_LENGTH_1"),
        "link_length_2": Param(1.0, 0.1, 5.0, attr="LINK_LENGTH_2"),
        "link_mass_1": Param(1.0, 0.05, 10.0, attr="LINK_MASS_1"),
        "link_mass_2": Param(1.0, 0.05, 10.0, attr="LINK_MASS_2"),
        "link_moi": Param(1.0, 0.05, 10.0, attr="LINK_MOI"),
    },
    derive=_derive,
)
