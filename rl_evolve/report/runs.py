"""Run folders under the folders a report is given, and their grouping by what differs between them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from rl_evolve.config.groups import CONF_PACKAGE
from rl_evolve.scoring.normalise import normalise
from rl_evolve.tracking.run_folder import RunFolder

# Overrides that never make runs different: where they are written and how they are shown.
IGNORED = {"seed", "experiment", "runs_dir", "progress_bar", "hydra.run.dir", "device", "torch_threads"}


@dataclass
class Run:
    """One finished RL training run: what it was, its evaluations, and its env's reference returns."""

    path: Path
    summary: dict[str, Any]
    overrides: dict[str, str]
    env: str
    steps: np.ndarray  # evaluation timesteps
    returns: np.ndarray  # mean evaluation return at each of them
    random_return: float | None = None
    reference_return: float | None = None

    @property
    def seed(self) -> int:
        return int(self.summary["seed"])

    @property
    def final(self) -> float:
        return float(self.summary["final_eval"]["mean"])

    @property
    def best(self) -> float:
        return float(self.returns.max()) if len(self.returns) else self.final

    def normalise(self, value: float) -> float:
        """On the env's scale (0: a random policy, 1: its reference return), unclipped."""
        return normalise(value, self.random_return, self.reference_return, clip=False)  # type: ignore[arg-type]


def _overrides(folder: RunFolder) -> dict[str, str]:
    path = folder.overrides
    if not path.is_file():
        return {}
    items = yaml.safe_load(path.read_text()) or []
    return dict(item.lstrip("+~").split("=", 1) for item in items if "=" in item)


def _env_node(folder: RunFolder) -> dict[str, Any]:
    """The run's env node; the reference returns of a run saved before they existed come from
    the shipped ``conf/env/<name>.yaml`` (they describe the env, not the run)."""
    path = folder.config
    env = ((yaml.safe_load(path.read_text()) or {}).get("env") or {}) if path.is_file() else {}
    shipped = resources.files(CONF_PACKAGE) / "env" / f"{env.get('name')}.yaml"
    if "random_return" not in env and shipped.is_file():
        table = yaml.safe_load(shipped.read_text()) or {}
        env = {
            **env,
            "random_return": table.get("random_return"),
            "reference_return": table.get("reference_return"),
        }
    return env


def load_train_run(root: Path, summary: dict[str, Any]) -> Run | None:
    """A completed ``task=train`` run (single or sweep job) that kept its evaluations."""
    folder = RunFolder(root)
    if not folder.evaluations.is_file():
        return None
    data = np.load(folder.evaluations)
    env = _env_node(folder)
    return Run(
        root,
        summary,
        _overrides(folder),
        summary.get("env") or env.get("name", "?"),
        data["timesteps"].astype(int),
        data["results"].mean(axis=1),
        env.get("random_return"),
        env.get("reference_return"),
    )


def group(runs: list[Run]) -> dict[str, list[Run]]:
    """Runs grouped by the overrides that differ between them (the seed and where a run was
    written excepted); the group's name lists them, ``all`` when nothing differs."""
    keys = sorted({k for r in runs for k in r.overrides} - IGNORED)
    varying = [k for k in keys if len({r.overrides.get(k) for r in runs}) > 1]
    groups: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        name = ",".join(f"{k}={run.overrides.get(k, '(not set)')}" for k in varying) or "all"
        groups[name].append(run)
    return dict(sorted(groups.items()))
