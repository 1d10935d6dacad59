"""Where each SB3 policy keeps its output heads and its target networks: declared once here.

``transfer=frozen_trunk`` leaves the heads trainable (for a Gaussian policy that includes
``log_std``, so exploration can still adapt); every transfer copies the online networks into
their targets, so a transferred DQN does not bootstrap from the source's stale target net.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from stable_baselines3.common.base_class import BaseAlgorithm

from rl_evolve.errors import ConfigError


@dataclass(frozen=True)
class PolicyLayout:
    heads: tuple[str, ...]  # name prefixes of the output layers and parameters
    targets: tuple[tuple[str, str], ...] = ()  # (target module, online module) attribute pairs


def _last_linear(sequential: torch.nn.Module) -> int:
    return max(i for i, m in enumerate(sequential) if isinstance(m, torch.nn.Linear))


def policy_layout(model: BaseAlgorithm) -> PolicyLayout | None:
    """The layout of ``model.policy``; None for a policy not declared here."""
    policy = model.policy
    if hasattr(policy, "action_net") and hasattr(policy, "value_net"):  # ActorCriticPolicy
        return PolicyLayout(heads=("action_net.", "value_net.", "log_std"))
    if hasattr(policy, "q_net") and hasattr(policy.q_net, "q_net"):  # DQNPolicy
        last = _last_linear(policy.q_net.q_net)
        return PolicyLayout(heads=(f"q_net.q_net.{last}.", f"q_net_target.q_net.{last}."),
                            targets=(("q_net_target", "q_net"),))
    return None


def head_prefixes(model: BaseAlgorithm) -> tuple[str, ...]:
    """The output heads, which ``frozen_trunk`` leaves trainable; unknown ones fail in one line."""
    layout = policy_layout(model)
    if layout is None:
        raise ConfigError(f"transfer=frozen_trunk does not know the output heads of "
                          f"{type(model.policy).__name__} (declare them in rl_evolve/agents/layouts.py); "
                          f"use transfer=trunk")
    return layout.heads


def sync_targets(model: BaseAlgorithm) -> None:
    """Every target network becomes a copy of its online network (none for an undeclared policy)."""
    layout = policy_layout(model)
    for target, online in layout.targets if layout else ():
        getattr(model.policy, target).load_state_dict(getattr(model.policy, online).state_dict())
