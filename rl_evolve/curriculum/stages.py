"""The stages of a curriculum, as env settings the env factory builds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

from rl_evolve.env_factory import env_settings
from rl_evolve.envs.dynamics import flatten
from rl_evolve.errors import ConfigError


@dataclass(frozen=True)
class Stage:
    """One task: the run's env with ``dynamics`` fixed, trained until threshold or budget."""

    index: int
    name: str
    dynamics: dict[str, Any]
    budget: int
    threshold: float
    best_return: float

    def settings(self, env_cfg: DictConfig) -> dict[str, Any]:
        """The env node with this stage's dynamics on top (for training and evaluation)."""
        settings = env_settings(env_cfg)
        settings["dynamics"] = {**settings["dynamics"], **self.dynamics}
        return settings


def build_stages(cfg: DictConfig) -> list[Stage]:
    """The curriculum's stages, checked: at least one, unique names, positive budgets."""
    curriculum = cfg.curriculum
    if not curriculum.stages:
        raise ConfigError(f"curriculum={curriculum.name} has no stages")
    stages = []
    for i, node in enumerate(curriculum.stages):
        stage = Stage(
            index=i,
            name=node.name,
            dynamics=flatten(OmegaConf.to_container(node.dynamics, resolve=True)),  # type: ignore[arg-type]
            budget=int(node.budget),
            threshold=float(node.threshold),
            best_return=float(node.best_return),
        )
        if stage.budget <= 0:
            raise ConfigError(f"curriculum.stages[{i}].budget must be positive, got {stage.budget}")
        if stage.name in {s.name for s in stages}:
            raise ConfigError(f"curriculum.stages[{i}].name '{stage.name}' is used twice")
        stages.append(stage)
    for key in ("eval_freq", "eval_episodes", "random_episodes"):
        if curriculum[key] <= 0:
            raise ConfigError(f"curriculum.{key} must be positive, got {curriculum[key]}")
    return stages
