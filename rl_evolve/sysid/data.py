"""Trajectories collected under changing physics, and the windows an identifier learns from.

A dataset holds whole episodes: each one's observations, the actions taken, and the physical
parameters it ran under (drawn per episode by ``dynamics=random``). Row ``t`` of an episode's
history is its observation ``o_t`` beside the action that led to it, ``a_{t-1}`` (zeros for the
first): a window of the last ``W`` rows, zero-padded at the episode's start, is what the
identifier sees at step ``t``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from tqdm.auto import tqdm

from rl_evolve.core.features import action_features, action_width
from rl_evolve.errors import ConfigError


@dataclass
class Episodes:
    """Episodes as rows: ``rows[i]`` is episode i's (T_i, obs + action) history, ``params[i]`` its
    parameter values (in ``names`` order)."""

    rows: list[np.ndarray]
    params: np.ndarray
    names: list[str]
    provenance: dict[str, Any]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        lengths = np.array([len(r) for r in self.rows])
        np.savez_compressed(
            folder / "dataset.npz", rows=np.concatenate(self.rows), lengths=lengths, params=self.params
        )
        (folder / "provenance.json").write_text(
            json.dumps({**self.provenance, "names": self.names, "episodes": len(self.rows)}, indent=2)
        )

    @classmethod
    def load(cls, folder: Path) -> Episodes:
        data, meta = folder / "dataset.npz", folder / "provenance.json"
        if not data.is_file() or not meta.is_file():
            raise ConfigError(
                f"'{folder}' holds no collected trajectories (dataset.npz and provenance.json "
                f"from task=collect)"
            )
        try:
            arrays = np.load(data)
            provenance = json.loads(meta.read_text())
            rows = np.split(arrays["rows"], np.cumsum(arrays["lengths"])[:-1])
        except Exception as exc:  # a truncated or foreign file
            raise ConfigError(f"'{data}' is corrupt: {exc}") from exc
        return cls(list(rows), arrays["params"], list(provenance["names"]), provenance)


def collect(
    env: gym.Env,
    names: Sequence[str],
    episodes: int,
    seed: int,
    act: Callable[[np.ndarray], Any] | None = None,
    progress: bool = True,
) -> Episodes:
    """``episodes`` episodes of ``env`` (a ``DynamicsWrapper`` drawing its physics per episode),
    acted by ``act(observation)`` or uniformly at random."""
    env.action_space.seed(seed)
    rows, params = [], []
    for episode in tqdm(range(episodes), desc="collecting", disable=not progress):
        obs, info = env.reset(seed=seed + episode)
        missing = [n for n in names if n not in info.get("dynamics", {})]
        if missing:
            raise ConfigError(f"the env reports no {', '.join(missing)} in info['dynamics']")
        params.append([info["dynamics"][n] for n in names])
        previous = np.zeros(action_width(env.action_space), dtype=np.float32)
        history, done = [], False
        while not done:
            history.append(np.concatenate([np.asarray(obs, dtype=np.float32).reshape(-1), previous]))
            action = act(obs) if act is not None else env.action_space.sample()
            obs, _, terminated, truncated, _ = env.step(action)
            previous = action_features(np.asarray([action]), env.action_space)[0]
            done = terminated or truncated
        rows.append(np.stack(history))
    return Episodes(rows, np.array(params, dtype=np.float32), list(names), {})


def windows(rows: np.ndarray, window: int) -> np.ndarray:
    """Every step's window of one episode's rows: (T, window, width), zero-padded at the start."""
    padded = np.concatenate([np.zeros((window - 1, rows.shape[1]), dtype=rows.dtype), rows])
    index = np.arange(len(rows))[:, None] + np.arange(window)[None, :]
    return padded[index]


def window_dataset(
    data: Episodes, episodes: np.ndarray, window: int, min_history: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Windows and targets (each episode's parameters, one per step) of ``episodes``; steps with
    fewer than ``min_history`` rows behind them are left out."""
    inputs, targets = [], []
    for i in episodes:
        w = windows(data.rows[i], window)[min_history - 1 :]
        inputs.append(w)
        targets.append(np.repeat(data.params[i][None, :], len(w), axis=0))
    return np.concatenate(inputs), np.concatenate(targets)
