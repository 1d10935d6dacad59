"""The deployed world: one env whose dynamics follow the run's schedule, and a log of every step
taken in it, whoever took it (the policy in service, a candidate being gated, a challenger
learning). Every strategy spends the same budget of these steps; nothing happens off the books.
"""

from __future__ import annotations

import copy
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import gymnasium as gym
import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv

from rl_evolve.env_factory import make_env
from rl_evolve.evolve.monitor import Transitions

ROLES = ("serve", "gate", "adapt", "learner")  # learner: the shadow learner acting (shadow_serves, _takeover)
LEARNER = -1  # the version number episodes played by the shadow learner itself carry


@dataclass
class Episode:
    """One finished episode of the world."""

    index: int
    end_step: int  # world steps taken when it ended
    ret: float
    length: int
    role: str  # serve | gate | adapt
    version: int  # the lineage version that acted
    dynamics: dict[str, float] = field(default_factory=dict)
    # env.observe_estimated: the identifier's estimate over the episode (mean over steps and
    # parameters, on the [0, 1] scale); None without an identifier
    estimate: float | None = None


class DeploymentLog(gym.Wrapper):
    """Counts every step of the world, keeps its recent transitions and its finished episodes.

    The loop says who acts by setting ``role`` and ``version`` before it steps the world.

    Common random numbers: the ``k``-th episode of the world starts from a seed drawn from
    (``seed``, ``k``) whatever any agent asked (SB3 reseeds the env an agent is built on), so two
    strategies run on one seed meet the same initial states, episode for episode.
    """

    def __init__(self, env: gym.Env, keep_transitions: int = 50_000, seed: int = 0):
        super().__init__(env)
        self.seed = seed
        self.role, self.version = "serve", 0
        self.steps = 0
        self.steps_by_role = dict.fromkeys(ROLES, 0)
        self.episodes: list[Episode] = []
        self._recent: deque[tuple[np.ndarray, Any, np.ndarray, int]] = deque(maxlen=keep_transitions)
        self._obs: np.ndarray | None = None
        self._ret, self._len = 0.0, 0
        self._estimates: list[float] = []
        self._dynamics: dict[str, float] = {}
        # the next episode starts from the initial state of the one under way (a paired gate's round)
        self.repeat_start = False

    def episode_seed(self, episode: int) -> int:
        return int(np.random.SeedSequence([self.seed, episode]).generate_state(1)[0])

    def reset(self, **kwargs: Any):
        index = len(self.episodes) - 1 if self.repeat_start and self.episodes else len(self.episodes)
        self.repeat_start = False
        kwargs["seed"] = self.episode_seed(index)
        obs, info = self.env.reset(**kwargs)
        self._obs, self._ret, self._len, self._estimates = np.asarray(obs), 0.0, 0, []
        self._dynamics = dict(info.get("dynamics", {}))
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        next_obs = np.asarray(obs)
        self._recent.append((self._obs, action, next_obs, self.steps))  # type: ignore[arg-type]
        self._obs = next_obs
        self.steps += 1
        self.steps_by_role[self.role] += 1
        self._ret += float(reward)
        self._len += 1
        if "estimated_context" in info:
            self._estimates.append(float(np.mean(info["estimated_context"])))
        if terminated or truncated:
            estimate = float(np.mean(self._estimates)) if self._estimates else None
            self.episodes.append(
                Episode(
                    len(self.episodes),
                    self.steps,
                    self._ret,
                    self._len,
                    self.role,
                    self.version,
                    self._dynamics,
                    estimate,
                )
            )
        return obs, reward, terminated, truncated, info

    @property
    def current_dynamics(self) -> dict[str, float]:
        """The dynamics of the episode under way (or about to start)."""
        return self._dynamics

    def transitions(self, since_step: int = 0, last: int | None = None) -> Transitions:
        """The kept transitions taken at world step ``since_step`` or later (the ``last`` n of them).
        Every step is kept in order, so they are the newest ``steps - since_step``: read from the
        right end of the deque, not by scanning it (this runs after every served episode)."""
        n = min(self.steps - since_step, len(self._recent), last if last is not None else len(self._recent))
        if n <= 0:
            raise ValueError(f"no transitions since world step {since_step}")
        obs, actions, next_obs, _ = zip(*itertools.islice(reversed(self._recent), n), strict=True)
        return Transitions(
            np.array(obs[::-1], dtype=np.float32),
            np.array(actions[::-1]),
            np.array(next_obs[::-1], dtype=np.float32),
        )


# sees every transition ``play`` takes, as SB3's VecEnv gives it: (obs, action, new_obs, rewards,
# dones, infos), each with the leading env axis
Observer = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list], None]


class World:
    """The world's VecEnv (one copy, for SB3's ``learn``) and ``play`` for acting without learning.

    ``observers`` see every transition played (a shadow learner's replay); ``explore`` is the
    share of served steps that take a uniformly random action instead of the policy's (counted in
    ``explored_steps``), so that what is learnt from service can see other actions."""

    def __init__(self, settings: dict[str, Any], seed: int, explore: float = 0.0):
        self.vec_env = make_vec_env(
            partial(make_env, settings),
            n_envs=1,
            seed=seed,
            vec_env_cls=DummyVecEnv,
            wrapper_class=DeploymentLog,
            wrapper_kwargs={"seed": seed},
        )
        self.log: DeploymentLog = self.vec_env.envs[0]  # type: ignore[attr-defined,assignment]
        self._obs = self.vec_env.reset()
        self.observers: list[Observer] = []
        self.explore, self.explored_steps = explore, 0
        # the deployment's own stream: an agent built on the world reseeds its action space
        self._explore_space = copy.deepcopy(self.vec_env.action_space)
        self._explore_space.seed(seed + 1)
        self._explore_rng = np.random.default_rng([seed, 1])
        self._learner_rng = np.random.default_rng([seed, 2])  # whose turn an episode is (shadow_serves)

    @property
    def steps(self) -> int:
        return self.log.steps

    def state(self, keep: int) -> dict[str, Any]:
        """What a resumed deployment needs of the world, taken at the start of an episode: the
        log (its last ``keep`` transitions), the exploration streams and the schedule's clock."""
        log = self.log
        clocked = self.vec_env.has_attr("schedule_clock")
        clock = self.vec_env.env_method("schedule_clock")[0] if clocked else None
        if clock is not None:  # the episode under way was counted at its reset, which resuming repeats
            clock = {**clock, "episodes": clock["episodes"] - 1}
        return {
            "log": {"steps": log.steps, "steps_by_role": log.steps_by_role, "episodes": log.episodes},
            "recent": list(log._recent)[-keep:],
            "clock": clock,
            "explored_steps": self.explored_steps,
            "explore_rng": self._explore_rng.bit_generator.state,
            "learner_rng": self._learner_rng.bit_generator.state,
            "explore_space": self._explore_space.np_random.bit_generator.state,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Puts ``state`` back and starts the episode it was taken before (seeded by its index)."""
        for key, value in state["log"].items():
            setattr(self.log, key, value)
        self.log._recent = deque(state["recent"], maxlen=self.log._recent.maxlen)
        self.explored_steps = state["explored_steps"]
        self._explore_rng.bit_generator.state = state["explore_rng"]
        if "learner_rng" in state:
            self._learner_rng.bit_generator.state = state["learner_rng"]
        self._explore_space.np_random.bit_generator.state = state["explore_space"]
        if state["clock"] is not None:
            self.vec_env.env_method("set_schedule_clock", state["clock"])
        self.after_learning()

    def normalise(self, stats) -> None:
        """Observations scaled by a champion's VecNormalize statistics (frozen: neither serving nor
        learning moves them), for champions trained with ``normalize``; the log keeps raw ones."""
        from rl_evolve.env_factory import normalized

        self.vec_env = normalized(self.vec_env, {}, stats, training=False)
        self._obs = self.vec_env.normalize_obs(self._obs)

    def learner_turn(self, share: float) -> bool:
        """Whether the next episode is the shadow learner's to play (``evolve.shadow_serves``),
        from a stream of the world's own, so that it does not depend on the agents' seeds."""
        return bool(self._learner_rng.random() < share)

    def acting(self, role: str, version: int) -> None:
        self.log.role, self.log.version = role, version

    def play(
        self,
        model: BaseAlgorithm,
        episodes: int,
        role: str,
        version: int,
        budget: int,
        deterministic: bool = True,
    ) -> list[Episode]:
        """``model`` acts for ``episodes`` whole episodes, or until the world's ``budget`` of
        steps is spent; returns the episodes it finished."""
        self.acting(role, version)
        first = len(self.log.episodes)
        state, starts = None, np.ones(1, dtype=bool)  # a recurrent policy's memory, reset per episode
        while len(self.log.episodes) - first < episodes and self.log.steps < budget:
            action, state = model.predict(
                self._obs, state=state, episode_start=starts, deterministic=deterministic
            )
            if role == "serve" and self.explore > 0 and self._explore_rng.random() < self.explore:
                action = np.array([self._explore_space.sample()])
                self.explored_steps += 1
            obs = self._obs
            self._obs, rewards, starts, infos = self.vec_env.step(action)
            for observe in self.observers:
                observe(obs, action, self._obs, rewards, starts, infos)
        return self.log.episodes[first:]

    def after_learning(self) -> None:
        """``learn`` leaves the world mid-episode; the next player starts a fresh one (the cut
        episode's steps stay counted, its return is not an episode's)."""
        self._obs = self.vec_env.reset()

    def close(self) -> None:
        self.vec_env.close()
