"""Where new versions come from: a challenger fine-tuned from the champion in the current world,
or an earlier version whose dynamics model still explains the world (reuse)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList

from rl_evolve.agents import build_agent
from rl_evolve.evolve.lineage import Lineage
from rl_evolve.evolve.monitor import SurpriseMonitor, Transitions
from rl_evolve.evolve.world import World
from rl_evolve.tracking.callbacks import DivergenceCallback
from rl_evolve.transfer import (
    PenaltyLogCallback,
    fine_tune_config,
    load_weights_into,
    transfer_into,
    weights_of,
)


@dataclass
class VersionState:
    """A version's policy and, once fitted, the model of the world it was made for."""

    model: BaseAlgorithm
    monitor: SurpriseMonitor | None = None
    fitted_until: int = 0  # the world step its monitor's data ended: surprise is scored after it


class StopAtBudget(BaseCallback):
    """Ends ``learn`` at the world's step budget (SB3 would finish its rollout or train_freq)."""

    def __init__(self, world: World, budget: int):
        super().__init__()
        self.world, self.budget = world, budget

    def _on_step(self) -> bool:
        return self.world.steps < self.budget


def agent_from(
    cfg: DictConfig,
    world: World,
    source: BaseAlgorithm,
    origin: str,
    transfer: DictConfig,
    label: str,
    seed: int,
    **algo: Any,
) -> tuple[BaseAlgorithm, list]:
    """A fresh agent acting in ``world``, its weights taken from ``source`` (called ``origin``)
    as ``transfer`` says (mode and penalty), its own random stream ``seed`` (the world keeps its
    own: ``DeploymentLog``), ``algo`` keys overridden; returns it with the callbacks its learning
    needs."""
    tuned = fine_tune_config(cfg)
    tuned.seed = seed
    for key, value in algo.items():
        OmegaConf.update(tuned, f"algo.{key}", value)
    model = build_agent(tuned, world.vec_env)
    _, penalty = transfer_into(model, weights_of(source, origin), transfer, f"[{label}] ")
    callbacks: list = [DivergenceCallback()]
    if penalty is not None:
        callbacks.append(PenaltyLogCallback(penalty))
    return model, callbacks


def plain_transfer(cfg: DictConfig) -> DictConfig:
    """The whole network, no penalty: how continual's learner and a shadow's copies are made."""
    plain = cfg.transfer.copy()
    plain.mode, plain.penalty = "full", "none"
    return plain


def acting_only(cfg: DictConfig) -> dict[str, Any]:
    """``algo`` overrides for a version that only acts: an empty replay buffer, not the table's."""
    return {"buffer_size": 1} if "buffer_size" in cfg.algo else {}


def frozen_copy(cfg: DictConfig, world: World, model: BaseAlgorithm, origin: str, seed: int) -> BaseAlgorithm:
    """A copy of ``model``'s networks as they are now (a version that no longer changes as
    ``model`` learns on)."""
    copy, _ = agent_from(
        cfg, world, model, origin, plain_transfer(cfg), f"copy of {origin}", seed, **acting_only(cfg)
    )
    return copy


def load_version(cfg: DictConfig, world: World, checkpoint: Path, seed: int) -> BaseAlgorithm:
    """A saved version (``checkpoints/v<id>.zip``, tensors only) acting in ``world`` again."""
    tuned = cfg.copy()
    tuned.seed = seed
    for key, value in acting_only(cfg).items():
        OmegaConf.update(tuned, f"algo.{key}", value)
    model = build_agent(tuned, world.vec_env)
    load_weights_into(model, str(checkpoint), "resume", f"algo={cfg.algo.name}")
    return model


def fine_tune(
    cfg: DictConfig,
    world: World,
    champion: BaseAlgorithm,
    parent: int,
    version: int,
    steps: int,
    logger,
    seed: int,
) -> BaseAlgorithm:
    """The challenger ``version``: the champion (version ``parent``) fine-tuned for ``steps``
    world steps (role ``adapt``) with ``cfg.transfer``'s mode and penalty, on its own ``seed``."""
    model, callbacks = agent_from(
        cfg, world, champion, f"v{parent}", cfg.transfer, f"challenger v{version}", seed
    )
    model.set_logger(logger)
    world.acting("adapt", version)
    model.learn(
        steps,
        callback=CallbackList([*callbacks, StopAtBudget(world, world.steps + steps)]),
        progress_bar=False,
    )
    world.after_learning()
    return model


def challenger_source(lineage: Lineage, champion: int, since: int, mode: str) -> int:
    """The version a new challenger is fine-tuned from: the champion, or (``mode`` ``latest``) the
    newest challenger made since ``since`` (the champion's start of service) and rejected, so its
    training goes on instead of starting again from the champion."""
    if mode != "latest":
        return champion
    rejected = [
        v.id
        for v in lineage.versions
        if v.origin == "challenger"
        and v.created_at_step >= since
        and v.decisions
        and v.decisions[-1]["decision"] == "rejected"
    ]
    return rejected[-1] if rejected else champion


def evidence(candidate: SurpriseMonitor, champion: SurpriseMonitor, recent: Transitions) -> float:
    """How much better ``candidate``'s dynamics model explains ``recent`` than ``champion``'s, in
    nats per transition: Page's CUSUM of the per-step log-likelihood ratio (its statistic at the
    last step, over the window's length), so evidence accrues from wherever in the window the world
    became the candidate's, in units common to every version (Alegre et al., AAMAS 2021)."""
    ratio = candidate.log_likelihood(recent) - champion.log_likelihood(recent)
    statistic = 0.0
    for value in ratio:
        statistic = max(0.0, statistic + float(value))
    return statistic / len(ratio)


def rank_by_evidence(
    members: dict[int, VersionState], recent: Transitions, champion: int
) -> list[tuple[float, int]]:
    """Earlier versions with a dynamics model, the strongest evidence first: (nats per step,
    version); empty while the champion has no model of its own to compare with."""
    own = members[champion].monitor
    if own is None:
        return []
    ranked = [
        (evidence(m.monitor, own, recent), v)
        for v, m in members.items()
        if v != champion and m.monitor is not None
    ]
    return sorted(ranked, key=lambda pair: (-pair[0], pair[1]))
