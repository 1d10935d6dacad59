"""The schemas of the SB3 family's algorithms (SB3 and sb3-contrib), one dataclass each.

Every constructor argument a tuned table may set is declared with ``tuned(default)``: its value
is the env's tuned one (``conf/env/<env>.yaml``'s ``hyperparams.<algo>.<field>``, cited there from
rl-baselines3-zoo), else SB3's default given here; a command-line override replaces either. Fields
that are not constructor arguments (``NOT_KWARGS``) are turned into them by ``agents/builder.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from omegaconf import II, MISSING


class Schedule(str, Enum):
    """How a coefficient moves over training: fixed, or linearly down to zero (zoo's ``lin_``)."""

    constant = "constant"
    linear = "linear"


def tuned(default: Any) -> Any:
    """A field whose value is its env's tuned one, else ``default`` (SB3's)."""
    return field(default=II("tuned:"), metadata={"untuned": default})


# Schema fields the builder turns into constructor arguments, or that are not arguments at all.
NOT_KWARGS = {
    "name",
    "_target_",
    "net_arch",
    "policy_kwargs",
    "extra",
    "learning_rate_schedule",
    "clip_range_schedule",
    "noise_type",
    "noise_std",
}


@dataclass
class AlgoConfig:
    """Fields common to every SB3 algorithm; ``_target_`` is the ``BaseAlgorithm`` subclass to
    build (like every class a config names: the replay buffer, the schedules)."""

    name: str = MISSING
    _target_: str = MISSING
    policy: str = tuned("MlpPolicy")
    learning_rate: float = tuned(3e-4)
    learning_rate_schedule: Schedule = tuned(Schedule.constant)
    # Hidden layer sizes, e.g. [256, 256] (policy_kwargs.net_arch; a dict for separate actor and
    # critic sizes goes in policy_kwargs). Typed Any: OmegaConf resolves list-typed interpolations
    # while Hydra merges, before the env's tuned table is known.
    net_arch: Any = tuned(None)
    # The policy's keyword arguments as zoo writes them (log_std_init, ortho_init, use_expln,
    # net_arch dicts, n_quantiles, lstm_hidden_size, ...); a class is named by its dotted path
    # (activation_fn: torch.nn.ReLU).
    policy_kwargs: Any = tuned(None)
    # Keyword arguments for an algorithm this schema does not describe (a new BaseAlgorithm).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class OnPolicyConfig(AlgoConfig):
    gamma: float = tuned(0.99)
    n_steps: int = tuned(2048)
    gae_lambda: float = tuned(0.95)
    ent_coef: float = tuned(0.0)
    vf_coef: float = tuned(0.5)
    max_grad_norm: float = tuned(0.5)
    normalize_advantage: bool = tuned(True)
    use_sde: bool = tuned(False)
    sde_sample_freq: int = tuned(-1)


@dataclass
class PPOConfig(OnPolicyConfig):
    name: str = "ppo"
    _target_: str = "stable_baselines3.PPO"
    batch_size: int = tuned(64)
    n_epochs: int = tuned(10)
    clip_range: float = tuned(0.2)
    clip_range_schedule: Schedule = tuned(Schedule.constant)
    target_kl: float | None = tuned(None)


@dataclass
class RecurrentPPOConfig(PPOConfig):
    name: str = "recurrent_ppo"
    _target_: str = "sb3_contrib.RecurrentPPO"
    policy: str = tuned("MlpLstmPolicy")
    n_steps: int = tuned(128)
    batch_size: int = tuned(128)


@dataclass
class A2CConfig(OnPolicyConfig):
    name: str = "a2c"
    _target_: str = "stable_baselines3.A2C"
    learning_rate: float = tuned(7e-4)
    n_steps: int = tuned(5)
    gae_lambda: float = tuned(1.0)
    normalize_advantage: bool = tuned(False)
    rms_prop_eps: float = tuned(1e-5)
    use_rms_prop: bool = tuned(True)


@dataclass
class TRPOConfig(AlgoConfig):
    name: str = "trpo"
    _target_: str = "sb3_contrib.TRPO"
    learning_rate: float = tuned(1e-3)
    gamma: float = tuned(0.99)
    n_steps: int = tuned(2048)
    batch_size: int = tuned(128)
    gae_lambda: float = tuned(0.95)
    cg_max_steps: int = tuned(15)
    cg_damping: float = tuned(0.1)
    line_search_shrinking_factor: float = tuned(0.8)
    line_search_max_iter: int = tuned(10)
    n_critic_updates: int = tuned(10)
    normalize_advantage: bool = tuned(True)
    target_kl: float = tuned(0.01)
    sub_sampling_factor: int = tuned(1)
    use_sde: bool = tuned(False)
    sde_sample_freq: int = tuned(-1)


@dataclass
class OffPolicyConfig(AlgoConfig):
    learning_rate: float = tuned(1e-3)
    gamma: float = tuned(0.99)
    buffer_size: int = tuned(1_000_000)
    learning_starts: int = tuned(100)
    batch_size: int = tuned(256)
    train_freq: Any = tuned(1)  # steps, or [n, "step" | "episode"]
    gradient_steps: int = tuned(1)


@dataclass
class DQNConfig(OffPolicyConfig):
    name: str = "dqn"
    _target_: str = "stable_baselines3.DQN"
    learning_rate: float = tuned(1e-4)
    batch_size: int = tuned(32)
    tau: float = tuned(1.0)
    train_freq: Any = tuned(4)
    target_update_interval: int = tuned(10_000)
    exploration_fraction: float = tuned(0.1)
    exploration_initial_eps: float = tuned(1.0)
    exploration_final_eps: float = tuned(0.05)
    max_grad_norm: float = tuned(10.0)


@dataclass
class QRDQNConfig(DQNConfig):
    name: str = "qrdqn"
    _target_: str = "sb3_contrib.QRDQN"
    learning_rate: float = tuned(5e-5)
    exploration_fraction: float = tuned(0.005)
    exploration_final_eps: float = tuned(0.01)
    max_grad_norm: float | None = tuned(None)


@dataclass
class ContinuousOffPolicyConfig(OffPolicyConfig):
    """Off-policy actor-critics: exploration noise as zoo writes it (``noise_type``: normal or
    ornstein-uhlenbeck, of standard deviation ``noise_std`` on every action dimension)."""

    noise_type: str | None = tuned(None)
    noise_std: float = tuned(0.1)


@dataclass
class DDPGConfig(ContinuousOffPolicyConfig):
    name: str = "ddpg"
    _target_: str = "stable_baselines3.DDPG"
    tau: float = tuned(0.005)


@dataclass
class TD3Config(DDPGConfig):
    name: str = "td3"
    _target_: str = "stable_baselines3.TD3"
    policy_delay: int = tuned(2)
    target_policy_noise: float = tuned(0.2)
    target_noise_clip: float = tuned(0.5)


@dataclass
class SACConfig(ContinuousOffPolicyConfig):
    name: str = "sac"
    _target_: str = "stable_baselines3.SAC"
    learning_rate: float = tuned(3e-4)
    tau: float = tuned(0.005)
    ent_coef: Any = tuned("auto")  # a float, "auto" or "auto_<initial value>"
    target_update_interval: int = tuned(1)
    target_entropy: Any = tuned("auto")
    use_sde: bool = tuned(False)
    sde_sample_freq: int = tuned(-1)
    use_sde_at_warmup: bool = tuned(False)


@dataclass
class TQCConfig(SACConfig):
    name: str = "tqc"
    _target_: str = "sb3_contrib.TQC"
    top_quantiles_to_drop_per_net: int = tuned(2)


@dataclass
class CrossQConfig(ContinuousOffPolicyConfig):
    name: str = "crossq"
    _target_: str = "sb3_contrib.CrossQ"
    ent_coef: Any = tuned("auto")
    target_entropy: Any = tuned("auto")
    policy_delay: int = tuned(3)
    use_sde: bool = tuned(False)
    sde_sample_freq: int = tuned(-1)
    use_sde_at_warmup: bool = tuned(False)


@dataclass
class ARSConfig(AlgoConfig):
    name: str = "ars"
    _target_: str = "sb3_contrib.ARS"
    learning_rate: float = tuned(0.02)
    n_delta: int = tuned(8)
    n_top: int | None = tuned(None)
    delta_std: float = tuned(0.05)
    zero_policy: bool = tuned(True)
    alive_bonus_offset: float = tuned(0.0)


ALGORITHMS: dict[str, type[AlgoConfig]] = {
    c.name: c
    for c in (  # type: ignore[misc]
        A2CConfig,
        DDPGConfig,
        DQNConfig,
        PPOConfig,
        SACConfig,
        TD3Config,
        ARSConfig,
        CrossQConfig,
        QRDQNConfig,
        TQCConfig,
        TRPOConfig,
        RecurrentPPOConfig,
    )
}
