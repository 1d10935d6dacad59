"""Where new versions come from: a challenger fine-tuned from the champion in the current world,
or an earlier version whose dynamics model still explains the world (reuse)."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import DictConfig
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList

from rl_evolve.agents import build_agent
from rl_evolve.evolve.lineage import Lineage
from rl_evolve.evolve.monitor import SurpriseMonitor, Transitions
from rl_evolve.evolve.world import World
from rl_evolve.tracking.callbacks import DivergenceCallback
from rl_evolve.transfer import PenaltyLogCallback, fine_tune_config, transfer_into, weights_of


@dataclass
class Member:
    """A version's policy and, once fitted, the model of the world it was made for."""

    model: BaseAlgorithm
    monitor: SurpriseMonitor | None = None


class StopAtBudget(BaseCallback):
    """Ends ``learn`` at the world's step budget (SB3 would finish its rollout or train_freq)."""

    def __init__(self, world: World, budget: int):
        super().__init__()
        self.world, self.budget = world, budget

    def _on_step(self) -> bool:
        return self.world.steps < self.budget


def agent_from(cfg: DictConfig, world: World, source: BaseAlgorithm, origin: str, transfer: DictConfig,
               label: str) -> tuple[BaseAlgorithm, list]:
    """A fresh agent acting in ``world``, its weights taken from ``source`` (called ``origin``)
    as ``transfer`` says (mode and penalty); returns it with the callbacks its learning needs."""
    model = build_agent(fine_tune_config(cfg), world.vec_env)
    _, penalty = transfer_into(model, weights_of(source, origin), transfer, f"[{label}] ")
    callbacks: list = [DivergenceCallback()]
    if penalty is not None:
        callbacks.append(PenaltyLogCallback(penalty))
    return model, callbacks


def fine_tune(cfg: DictConfig, world: World, champion: BaseAlgorithm, parent: int, version: int,
              steps: int, logger) -> BaseAlgorithm:
    """The challenger ``version``: the champion (version ``parent``) fine-tuned for ``steps``
    world steps (role ``adapt``) with ``cfg.transfer``'s mode and penalty."""
    model, callbacks = agent_from(cfg, world, champion, f"v{parent}", cfg.transfer, f"challenger v{version}")
    model.set_logger(logger)
    world.acting("adapt", version)
    model.learn(steps, callback=CallbackList([*callbacks, StopAtBudget(world, world.steps + steps)]),
                progress_bar=False)
    world.after_learning()
    return model


def challenger_source(lineage: Lineage, champion: int, since: int, mode: str) -> int:
    """The version a new challenger is fine-tuned from: the champion, or (``mode`` ``latest``) the
    newest challenger made since ``since`` (the champion's start of service) and rejected, so its
    training goes on instead of starting again from the champion."""
    if mode != "latest":
        return champion
    rejected = [v.id for v in lineage.versions if v.origin == "challenger" and v.created_at_step >= since
                and v.decisions and v.decisions[-1]["decision"] == "rejected"]
    return rejected[-1] if rejected else champion


def rank_by_surprise(members: dict[int, Member], recent: Transitions,
                     exclude: int) -> list[tuple[float, int]]:
    """Earlier versions with a dynamics model, best explained first: (surprise, version)."""
    ranked = [(m.monitor.surprise(recent), v) for v, m in members.items()
              if v != exclude and m.monitor is not None]
    return sorted(ranked)
