"""The Gymnasium wrapper that applies a dynamics schedule to the env underneath it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from rl_evolve.envs.dynamics import DynamicsSpec, flatten
from rl_evolve.envs.schedules import Constant, Schedule
from rl_evolve.errors import ConfigError, invalid_choice


class DynamicsInfo(dict):
    """``info["dynamics"]``: parameter names to scalar values. A copy of it is a deep copy, so
    SB3's ``DummyVecEnv``, which deep-copies every step's infos, copies it as cheaply as a flat
    dict (half of what a served step costs beyond SB3's own loop, before this)."""

    def __deepcopy__(self, memo: dict) -> DynamicsInfo:
        return DynamicsInfo(self)


class DynamicsWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Sets physical parameters from ``fixed`` values and a ``schedule``; reports them.

    - The values in force are in ``info["dynamics"]`` after every step and reset, and in the
      attribute ``current_dynamics`` (``VecEnv.get_attr("current_dynamics")``).
    - ``observe`` appends the named parameters, normalised to [0, 1] by the spec's bounds, to
      the (flat Box) observation.
    - Time for the schedule is this copy's step count times ``step_scale`` (set it to n_envs:
      VecEnvs step their copies in lockstep, so that is the run's total environment steps).
    - ``schedule_clock()`` / ``set_schedule_clock()`` save and restore that time and the random schedule's
      generator, so a resumed run continues its schedule instead of starting it again.
    """

    def __init__(
        self,
        env: gym.Env,
        spec: DynamicsSpec,
        schedule: Schedule | None = None,
        fixed: Mapping[str, float] | None = None,
        observe: Sequence[str] = (),
        step_scale: int = 1,
    ):
        gym.utils.RecordConstructorArgs.__init__(
            self, spec=spec, schedule=schedule, fixed=fixed, observe=observe, step_scale=step_scale
        )
        gym.Wrapper.__init__(self, env)
        self.dynamics_spec = spec
        self._unwrapped = env.unwrapped  # looked up once: a per-step schedule applies at every step
        self.schedule = schedule or Constant()
        fixed = {k: v for k, v in flatten(fixed or {}).items() if v is not None}
        spec.check(fixed, "env.dynamics")
        for values in self.schedule.mentioned():
            spec.check(values, "dynamics")
        self._base = {**spec.read(env), **fixed}
        self._step_scale = step_scale
        self._steps = 0
        self._episodes = 0
        self._rng = np.random.default_rng()
        self._restored = False  # a restored generator survives the VecEnv's seeded first reset
        self._per_step = self.schedule.apply_at == "step"
        self.current_dynamics: dict[str, float] = {}
        self._changes: dict[str, float] = {}  # what the schedule said last, on top of the base
        self._observe = list(observe)
        if self._observe:
            self._init_observed_space()
        self._set(self._base)

    def _init_observed_space(self) -> None:
        space = self.env.observation_space
        if not isinstance(space, gym.spaces.Box) or len(space.shape) != 1:
            raise ConfigError(f"env.observe needs a flat Box observation space, not {space}")
        for name in self._observe:
            if name not in self.dynamics_spec.params:
                raise invalid_choice("parameter in env.observe", name, self.dynamics_spec.names)
        params = [self.dynamics_spec.params[n] for n in self._observe]
        self._obs_low = np.array([p.low for p in params], dtype=np.float64)
        self._obs_span = np.array([p.high - p.low for p in params], dtype=np.float64)
        n = len(params)
        self.observation_space = gym.spaces.Box(
            low=np.concatenate([space.low, np.zeros(n, space.dtype)]),
            high=np.concatenate([space.high, np.ones(n, space.dtype)]),
            dtype=space.dtype,
        )

    def _set(self, values: dict[str, float]) -> None:
        """Applies ``values`` (every parameter), as the wrapper starts."""
        self.dynamics_spec.apply(self._unwrapped, values)
        self._now(values)

    def _now(self, values: dict[str, float]) -> None:
        self.current_dynamics = values
        if self._observe:
            now = np.array([values[n] for n in self._observe])
            self._context = ((now - self._obs_low) / self._obs_span).astype(self.observation_space.dtype)

    def _follow_schedule(self) -> None:
        """Applies what the schedule says now, and only what differs from the values in force (a
        schedule applied at every step pays for what changes, not for every parameter)."""
        changes = self.schedule.values(self._steps * self._step_scale, self._episodes, self._rng)
        if changes == self._changes:
            return
        base, now = self._base, self.current_dynamics
        diff = {}
        for name in changes.keys() | self._changes.keys() if self._changes else changes:
            value = changes[name] if name in changes else base[name]
            if now[name] != value:
                diff[name] = value
        self._changes = changes
        if diff:
            self.dynamics_spec.apply(self._unwrapped, diff)
            self._now({**now, **diff})

    def schedule_clock(self) -> dict[str, Any]:
        """The schedule's time (this copy's steps and episodes) and its generator's state."""
        return {"steps": self._steps, "episodes": self._episodes, "rng": self._rng.bit_generator.state}

    def set_schedule_clock(self, clock: dict[str, Any]) -> None:
        """Continues the schedule from a ``schedule_clock()`` taken earlier (by a run being resumed)."""
        self._steps, self._episodes = int(clock["steps"]), int(clock["episodes"])
        self._rng.bit_generator.state = clock["rng"]
        self._restored = True

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None and not self._restored:
            self._rng = np.random.default_rng(seed)
        self._restored = False
        self._follow_schedule()
        obs, info = self.env.reset(seed=seed, options=options)
        self._episodes += 1
        info["dynamics"] = DynamicsInfo(self.current_dynamics)
        if self._observe:
            obs = np.concatenate((obs, self._context))
        return obs, info

    def step(self, action):
        if self._per_step:
            self._follow_schedule()
        obs, reward, terminated, truncated, info = self.env.step(action)
        self._steps += 1
        info["dynamics"] = DynamicsInfo(self.current_dynamics)  # a fresh dict per call, as check_env asks
        if self._observe:
            obs = np.concatenate((obs, self._context))
        return obs, reward, terminated, truncated, info
