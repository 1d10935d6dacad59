"""MuJoCo (Gymnasium v5) physics: gravity, body masses, friction, joint damping, actuator gears.

The same names mean the same thing in every MuJoCo env:

- ``gravity``: the magnitude of the vertical component (m/s^2, pointing down; 9.81 by default).
- ``mass_scale``: multiplies every body's mass and inertia (a uniformly denser robot).
- ``mass.<body>``: multiplies one body's mass and inertia (``mass.torso=2``: a torso twice as
  heavy), on top of ``mass_scale``.
- ``friction``: multiplies every geom's sliding friction (contacts take the larger of their two
  geoms', so the floor's contacts scale with it).
- ``damping_scale``: multiplies every joint's damping; ``gear_scale``: every actuator's gear
  (the torque a unit action produces).
- ``viscosity`` (Swimmer): the fluid's viscosity.

An env leaves out what cannot act in it, so a change never passes unnoticed: no ``friction``
where nothing touches (the pendulums, Reacher, Swimmer), no ``gravity`` where every joint moves
in the horizontal plane (Reacher, Swimmer), no ``damping_scale`` where no joint is damped (Swimmer).

Scales are relative to the model gymnasium compiled from its XML, whatever was set before, so a
schedule can go up and back down exactly. A mass or gear change is followed by
``mujoco.mj_setConst``, which recomputes the constants MuJoCo derives from them at compile time
(subtree masses, inverse weights, actuator accelerations); without it the simulation keeps the
old ones. The episode's state (positions, velocities) is left as it is: a change within an
episode changes the physics from the next step on.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np

from rl_evolve.envs.dynamics import DynamicsSpec, Param


def _warn(message: str) -> None:
    """MuJoCo's warnings as Python's (its default appends them to MUJOCO_LOG.TXT in the working
    directory), less the one gymnasium's half_cheetah.xml triggers at every compile."""
    if "'settotalmass' is deprecated" not in message:
        warnings.warn(f"MuJoCo: {message}", RuntimeWarning, stacklevel=2)


mujoco.set_mju_user_warning(_warn)

SCALES = {
    "mass_scale": Param(1.0, 0.1, 10.0),
    "friction": Param(1.0, 0.0, 10.0),
    "damping_scale": Param(1.0, 0.0, 10.0),
    "gear_scale": Param(1.0, 0.1, 10.0),
}
BODY_MASS = Param(1.0, 0.1, 10.0)


class _Model:
    """One env's compiled model as gymnasium built it (the defaults), and the values in force."""

    def __init__(self, model: Any, spec: MujocoSpec):
        # views into the model's own arrays, looked up once (each attribute access builds one)
        self.model, self.opt = model, model.opt
        self.gravity, self.body_mass = self.opt.gravity, model.body_mass
        self.body_inertia = model.body_inertia
        self.geom_friction, self.dof_damping = model.geom_friction, model.dof_damping
        self.actuator_gear = model.actuator_gear
        self.mass, self.inertia = self.body_mass.copy(), self.body_inertia.copy()
        self.friction = self.geom_friction[:, 0].copy()
        self.damping = self.dof_damping.copy()
        self.gear = self.actuator_gear[:, 0].copy()
        self.body = {f"mass.{b}": mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, b) for b in spec.bodies}
        if min(self.body.values(), default=0) < 0:
            raise ValueError(f"the model has no bodies {[k for k, i in self.body.items() if i < 0]}")
        self.body_factor = np.ones(len(self.mass))  # mass.<body> per body; mass_scale on top
        self.scratch = mujoco.MjData(model)  # mj_setConst works on a data of its own, not the episode's
        self.values: dict[str, float] = spec.defaults()

    def set_masses(self, ids: Any) -> None:
        factor = self.body_factor[ids] * self.values["mass_scale"]
        self.body_mass[ids] = self.mass[ids] * factor
        self.body_inertia[ids] = self.inertia[ids] * (factor[:, None] if np.ndim(factor) else factor)


@dataclass(frozen=True)
class MujocoSpec(DynamicsSpec):
    """The physical parameters every MuJoCo env shares, plus ``mass.<body>`` for its named bodies."""

    params: Mapping[str, Param] = field(default_factory=dict)  # more than the shared ones
    bodies: tuple[str, ...] = ()
    without: tuple[str, ...] = ()  # shared parameters that cannot act in this env

    def __post_init__(self) -> None:
        shared = {"gravity": Param(9.81, 0.0, 30.0), **SCALES}
        params = {
            **{k: p for k, p in shared.items() if k not in self.without},
            **{f"mass.{body}": BODY_MASS for body in self.bodies},
            **self.params,
        }
        object.__setattr__(self, "params", params)
        super().__post_init__()

    def _state(self, base: Any) -> _Model:
        state = getattr(base, "_rl_evolve_model", None)
        if state is None:
            state = base._rl_evolve_model = _Model(base.model, self)
        return state

    def apply(self, env: gym.Env, values: Mapping[str, float]) -> None:
        """Sets the values named (the others keep theirs) on the env's ``MjModel``; only what
        changed is written (a schedule may call this at every step)."""
        state = self._state(env.unwrapped)
        now = state.values
        recompute = False
        for name, value in values.items():
            if now[name] == value:
                continue
            value = now[name] = float(value)
            if name == "gravity":
                state.gravity[2] = -value
            elif name in state.body:
                state.body_factor[state.body[name]] = value
                state.set_masses(state.body[name])
                recompute = True
            elif name == "mass_scale":
                state.set_masses(slice(None))
                recompute = True
            elif name == "friction":
                state.geom_friction[:, 0] = state.friction * value
            elif name == "damping_scale":
                state.dof_damping[:] = state.damping * value
            elif name == "gear_scale":
                state.actuator_gear[:, 0] = state.gear * value
                recompute = True
            elif name == "viscosity":
                state.opt.viscosity = value
        if recompute:
            mujoco.mj_setConst(state.model, state.scratch)

    def read(self, env: gym.Env) -> dict[str, float]:
        """The values in force (the model's own, the defaults, until something was set)."""
        state = getattr(env.unwrapped, "_rl_evolve_model", None)
        return dict(state.values) if state is not None else self.defaults()


INVERTED_PENDULUM = MujocoSpec(bodies=("cart", "pole"), without=("friction",))
INVERTED_DOUBLE_PENDULUM = MujocoSpec(bodies=("cart", "pole", "pole2"), without=("friction",))
REACHER = MujocoSpec(bodies=("body0", "body1", "fingertip"), without=("gravity", "friction"))
SWIMMER = MujocoSpec(
    bodies=("torso", "mid", "back"),
    params={"viscosity": Param(0.1, 0.0, 2.0)},
    without=("gravity", "friction", "damping_scale"),
)
HOPPER = MujocoSpec(bodies=("torso", "thigh", "leg", "foot"))
HALF_CHEETAH = MujocoSpec(bodies=("torso", "bthigh", "bshin", "bfoot", "fthigh", "fshin", "ffoot"))
WALKER2D = MujocoSpec(bodies=("torso", "thigh", "leg", "foot", "thigh_left", "leg_left", "foot_left"))
# Ant's lower legs are unnamed bodies in gymnasium's XML: mass_scale reaches them, mass.<body> cannot.
ANT = MujocoSpec(
    bodies=(
        "torso",
        "front_left_leg",
        "aux_1",
        "front_right_leg",
        "aux_2",
        "back_leg",
        "aux_3",
        "right_back_leg",
        "aux_4",
    )
)
