"""Where each SB3 and sb3-contrib policy keeps its output heads, target networks and optimizers:
declared once here.

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


# (target network, online network) attributes of the policies that keep targets
TARGET_PAIRS = (
    ("q_net_target", "q_net"),
    ("quantile_net_target", "quantile_net"),
    ("actor_target", "actor"),
    ("critic_target", "critic"),
)
# Output modules: a Linear is a head itself, a Sequential's last Linear is its head
HEAD_MODULES = ("q_net.q_net", "quantile_net.quantile_net", "action_net", "actor.mu", "actor.log_std")


def _head_of(policy: torch.nn.Module, name: str) -> str:
    module = policy.get_submodule(name)
    if isinstance(module, torch.nn.Linear):
        return f"{name}."
    last = max(i for i, m in enumerate(module) if isinstance(m, torch.nn.Linear))
    return f"{name}.{last}."


def policy_layout(model: BaseAlgorithm) -> PolicyLayout:
    """The layout of ``model.policy``, for every policy of SB3 and sb3-contrib: an actor-critic's
    action and value nets (a recurrent one's LSTMs are trunk); a Q-network's or quantile
    network's last layer; an off-policy actor's mean (and log std) and each critic's last layer;
    ARS's last layer; each target network's copy of them."""
    policy = model.policy
    if hasattr(policy, "action_net") and hasattr(policy, "value_net"):  # (Recurrent)ActorCriticPolicy
        return PolicyLayout(heads=("action_net.", "value_net.", "log_std"))
    names = dict(policy.named_modules())
    heads = [_head_of(policy, n) for n in HEAD_MODULES if n in names]
    critic = getattr(policy, "critic", None)
    if critic is not None:
        heads += [
            _head_of(policy, f"critic.{n}")
            for n, m in critic.named_children()
            if isinstance(m, torch.nn.Sequential)
        ]
    targets = tuple((t, o) for t, o in TARGET_PAIRS if isinstance(getattr(policy, t, None), torch.nn.Module))
    heads += [t + h[len(o) :] for t, o in targets for h in list(heads) if h.startswith(o + ".")]
    return PolicyLayout(heads=tuple(heads), targets=targets)


def optimizers(model: BaseAlgorithm) -> dict[str, torch.optim.Optimizer]:
    """The optimizers that train the policy, by SB3's name for them in a saved zip
    (``policy.optimizer``, or an actor-critic's ``actor.optimizer`` and ``critic.optimizer``);
    none for ARS, which searches rather than descends."""
    found = {
        "policy.optimizer": getattr(model.policy, "optimizer", None),
        "actor.optimizer": getattr(getattr(model.policy, "actor", None), "optimizer", None),
        "critic.optimizer": getattr(getattr(model.policy, "critic", None), "optimizer", None),
    }
    return {k: v for k, v in found.items() if isinstance(v, torch.optim.Optimizer)}


def head_prefixes(model: BaseAlgorithm) -> tuple[str, ...]:
    """The output heads, which ``frozen_trunk`` leaves trainable; unknown ones fail in one line."""
    heads = policy_layout(model).heads
    if not heads:
        raise ConfigError(
            f"transfer=frozen_trunk does not know the output heads of "
            f"{type(model.policy).__name__} (declare them in rl_evolve/agents/layouts.py); "
            f"use transfer=trunk"
        )
    return heads


def sync_targets(model: BaseAlgorithm) -> None:
    """Every target network becomes a copy of its online network (none for an undeclared policy)."""
    for target, online in policy_layout(model).targets:
        getattr(model.policy, target).load_state_dict(getattr(model.policy, online).state_dict())
