"""Carrying SB3 policy networks from a source (a previous stage, a run folder, a ``.zip``).

Modes (``transfer.mode``): ``full`` copies every tensor and needs identical networks; ``trunk``
copies every tensor whose name and shape match and leaves the rest as freshly initialised (so a
network whose input or output size changed still takes its hidden layers); ``frozen_trunk``
also freezes the copied tensors that are not output heads. Penalties (``transfer.penalty``)
pull the trainable copied weights toward the source through the backprop core's
``QuadraticPenalty.attach``, i.e. inside SB3's own ``optimizer.step()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.save_util import load_from_zip_file
from stable_baselines3.common.utils import obs_as_tensor
from stable_baselines3.common.vec_env import VecEnv
from torch.distributions import Categorical

from rl_evolve.agents.layouts import head_prefixes, optimizers, sync_targets
from rl_evolve.core.penalties import QuadraticPenalty, diagonal_fisher, penalty_toward
from rl_evolve.errors import ConfigError


@dataclass
class SourceWeights:
    """A policy's tensors (and its optimizers' states, by SB3's names), with where they came from."""

    policy: dict[str, torch.Tensor]
    origin: str
    optimizers: dict[str, Any] | None = None
    fisher: dict[str, torch.Tensor] | None = None  # for EWC, estimated on the source's task


@dataclass
class TransferReport:
    """What a transfer did, tensor by tensor (names as in ``policy.state_dict()``)."""

    mode: str
    origin: str
    copied: list[str] = field(default_factory=list)
    reinitialised: list[str] = field(default_factory=list)
    frozen: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "origin": self.origin,
            "copied": self.copied,
            "reinitialised": self.reinitialised,
            "frozen": self.frozen,
        }

    def describe(self) -> str:
        """One line of counts, then the names of re-initialised and frozen tensors."""
        lines = [
            f"transfer={self.mode} from {self.origin}: {len(self.copied)} tensors copied, "
            f"{len(self.reinitialised)} re-initialised, {len(self.frozen)} frozen"
        ]
        lines += [
            f"  {kind}: {', '.join(names)}"
            for kind, names in (("reinitialised", self.reinitialised), ("frozen", self.frozen))
            if names
        ]
        return "\n".join(lines)


def check_transfer(t: DictConfig) -> None:
    """Transfer options that contradict each other fail before anything is built."""
    mode, penalty = str(t.mode.value), str(t.penalty.value)
    if mode == "none" and (t.source or penalty != "none"):
        raise ConfigError(
            "transfer=none starts every stage fresh: it takes no transfer.source and no transfer.penalty"
        )
    if t.strength < 0:
        raise ConfigError(f"transfer.strength must be >= 0, got {t.strength}")
    if not t.reset_optimizer and mode != "full":
        raise ConfigError(f"transfer.reset_optimizer=false needs transfer=full, not {mode}")
    if penalty == "ewc" and t.fisher_samples <= 0:
        raise ConfigError(f"transfer.fisher_samples must be positive, got {t.fisher_samples}")


def fine_tune_config(cfg: DictConfig) -> DictConfig:
    """The run's config for an agent that starts from transferred weights: a DQN starts at its
    final exploration rate (unless ``transfer.rewarm_exploration``), and an off-policy agent acts
    with its policy from its first step (SB3 acts uniformly at random until ``learning_starts``,
    a fresh agent's warm-up; unless ``transfer.random_warmup``)."""
    tuned = cfg.copy()
    if not cfg.transfer.rewarm_exploration and "exploration_final_eps" in cfg.algo:
        OmegaConf.update(tuned, "algo.exploration_initial_eps", float(cfg.algo.exploration_final_eps))
    if not cfg.transfer.random_warmup and "learning_starts" in cfg.algo:
        OmegaConf.update(tuned, "algo.learning_starts", 0)
    return tuned


def weights_of(model: BaseAlgorithm, origin: str) -> SourceWeights:
    """A detached copy of ``model``'s policy (and optimizer) state."""
    return SourceWeights(
        policy={k: v.detach().clone() for k, v in model.policy.state_dict().items()},
        optimizers={k: o.state_dict() for k, o in optimizers(model).items()},
        origin=origin,
    )


def load_source(source: str, what: str = "transfer.source") -> SourceWeights:
    """The weights in an SB3 ``.zip``, or in a run folder's ``checkpoints/last.zip``. Only the
    tensors are read, never the pickled part, so a downloaded checkpoint cannot run code."""
    path = Path(source)
    if path.is_dir():
        path = path / "checkpoints" / "last.zip"
    if not path.is_file():
        raise ConfigError(
            f"{what} '{source}' is neither an SB3 .zip nor a run folder with checkpoints/last.zip"
        )
    try:
        # Tensors only: the zip's "data" entry holds cloudpickled objects, which run code when
        # loaded; SB3 reads the .pth entries with torch's weights_only loader.
        _, params, _ = load_from_zip_file(path, load_data=False, device="cpu", print_system_info=False)
    except Exception as exc:  # BadZipFile, pickle and torch errors
        raise ConfigError(f"{what} '{path}' is corrupt or not an SB3 checkpoint: {exc}") from exc
    if not params or "policy" not in params:
        raise ConfigError(f"{what} '{path}' holds no policy weights")
    return SourceWeights(
        policy=params["policy"],
        origin=str(path),
        optimizers={k: v for k, v in params.items() if k.endswith("optimizer")},
    )


def load_weights_into(model: BaseAlgorithm, source: str, what: str, fits: str) -> None:
    """Every policy tensor of ``source`` (a run folder or .zip; tensors only) into ``model``: a
    deployed champion, an agent to evaluate. One line when the source is unreadable, or when
    its network does not fit ``model`` (``fits`` says what it had to fit)."""
    weights = load_source(source, what)
    try:
        apply_transfer(model, weights, "full")
    except ConfigError as exc:
        raise ConfigError(f"{what} '{source}' does not fit {fits}: {exc}") from exc


def apply_transfer(
    model: BaseAlgorithm, source: SourceWeights, mode: str, carry_optimizer: bool = False
) -> TransferReport:
    """Copies ``source`` into ``model.policy`` as ``mode`` says and reports what it did."""
    target = model.policy.state_dict()
    theirs, ours = _recurrent(source.policy), _recurrent(target)
    if theirs != ours:
        raise ConfigError(
            f"transfer={mode}: {source.origin} holds a {'' if theirs else 'non-'}recurrent "
            f"policy and this one is {'' if ours else 'not '}recurrent (RecurrentPPO's LSTM "
            f"trunk has no counterpart); transfer from a run of the same kind"
        )
    report = TransferReport(mode=mode, origin=source.origin)
    for name, tensor in target.items():
        theirs = source.policy.get(name)
        if theirs is not None and theirs.shape == tensor.shape:
            report.copied.append(name)
        else:
            report.reinitialised.append(name)
    if not report.copied:
        raise ConfigError(
            f"transfer={mode}: no tensor of {source.origin} matches this network "
            f"by name and shape (a different algorithm or policy?); transfer from a "
            f"run of the same algorithm"
        )
    if mode == "full" and report.reinitialised:
        name = report.reinitialised[0]
        theirs = source.policy.get(name)
        found = "is missing" if theirs is None else f"has shape {tuple(theirs.shape)}"
        raise ConfigError(
            f"transfer=full needs identical networks: '{name}' {found} in "
            f"{source.origin} but is {tuple(target[name].shape)} here; "
            f"use transfer=trunk"
        )
    model.policy.load_state_dict({**target, **{k: source.policy[k] for k in report.copied}})
    sync_targets(model)
    if mode == "frozen_trunk":
        heads = head_prefixes(model)
        parameters = dict(model.policy.named_parameters())
        for name in report.copied:
            if name in parameters and not name.startswith(heads):
                parameters[name].requires_grad_(False)
                report.frozen.append(name)
    if carry_optimizer:
        own = optimizers(model)
        if mode != "full" or not own or not set(own) <= set(source.optimizers or {}):
            raise ConfigError(
                "transfer.reset_optimizer=false needs transfer=full and a source that saved its optimizers"
            )
        for name, optimizer in own.items():
            optimizer.load_state_dict(source.optimizers[name])  # type: ignore[index]
    return report


def _recurrent(tensors: dict[str, torch.Tensor]) -> bool:
    return any(k.startswith(("lstm_actor.", "lstm_critic.")) for k in tensors)


def transfer_into(
    model: BaseAlgorithm, source: SourceWeights, t: DictConfig, prefix: str = ""
) -> tuple[TransferReport, QuadraticPenalty | None]:
    """``transfer.mode`` from ``source`` into ``model``, printed, then ``transfer.penalty``
    attached to its optimizer; what a curriculum stage and a run with ``transfer.source`` share."""
    report = apply_transfer(model, source, str(t.mode.value), carry_optimizer=not t.reset_optimizer)
    print(prefix + report.describe())
    return report, attach_penalty(model, source, str(t.penalty.value), t.strength)


def optimised_parameters(model: BaseAlgorithm) -> dict[str, torch.nn.Parameter]:
    """The trainable policy parameters its optimizers update (not a target network's)."""
    in_optimizer = {
        id(p) for o in optimizers(model).values() for group in o.param_groups for p in group["params"]
    }
    return {k: p for k, p in model.policy.named_parameters() if id(p) in in_optimizer and p.requires_grad}


def attach_penalty(
    model: BaseAlgorithm, source: SourceWeights, kind: str, strength: float
) -> QuadraticPenalty | None:
    """L2-SP or EWC toward ``source`` on the optimised parameters it holds with equal shape."""
    if kind == "none":
        return None
    if not optimizers(model):
        raise ConfigError(
            f"transfer.penalty={kind} acts through an optimizer; {type(model).__name__} "
            f"has none (it searches rather than descends): use transfer.penalty=none"
        )
    if kind == "ewc" and source.fisher is None:
        raise ConfigError(
            f"transfer.penalty=ewc needs a Fisher estimate from the source task; "
            f"{source.origin} has none (EWC works between curriculum stages)"
        )
    params = {
        k: p
        for k, p in optimised_parameters(model).items()
        if k in source.policy and source.policy[k].shape == p.shape
    }
    penalty = penalty_toward(kind, params, source.policy, strength, source.fisher)
    for optimizer in optimizers(model).values():
        penalty.attach(optimizer)
    return penalty


def _log_likelihood(model: BaseAlgorithm, obs: torch.Tensor) -> torch.Tensor:
    """log pi(a|s) of an action drawn from the policy itself (the "true" Fisher's sample).

    DQN and QR-DQN have no stochastic policy; their Q-values are read as the logits of a
    Boltzmann policy. TD3 and DDPG have none at all: EWC is refused for them.
    """
    policy = model.policy
    actor = getattr(policy, "actor", None)
    if hasattr(policy, "get_distribution") or hasattr(actor, "get_action_dist_params"):
        if hasattr(policy, "get_distribution"):
            dist = policy.get_distribution(obs)
        else:  # SAC, TQC, CrossQ: the actor's squashed Gaussian
            mean, log_std, kwargs = actor.get_action_dist_params(obs)  # type: ignore[union-attr]
            dist = actor.action_dist.proba_distribution(mean, log_std, **kwargs)  # type: ignore[union-attr]
        with torch.no_grad():
            action = dist.sample()
        return dist.log_prob(action).sum()
    if hasattr(policy, "q_net"):
        logits = policy.q_net(obs)
    elif hasattr(policy, "quantile_net"):  # QR-DQN: the mean over quantiles is the Q-value
        logits = policy.quantile_net(obs).mean(dim=1)
    else:
        raise ConfigError(
            f"transfer.penalty=ewc needs the policy's action distribution; "
            f"{type(policy).__name__} gives none here: use transfer.penalty=l2sp"
        )
    dist = Categorical(logits=logits)
    with torch.no_grad():
        action = dist.sample()
    return dist.log_prob(action).sum()


def policy_fisher(model: BaseAlgorithm, env: VecEnv, n_samples: int, seed: int) -> dict[str, torch.Tensor]:
    """Diagonal Fisher of the policy over ``n_samples`` states it visits in ``env``."""
    with torch.random.fork_rng(devices=[]):  # the run's own stream is left where it was
        torch.manual_seed(seed)
        states = []
        obs = env.reset()
        while len(states) * env.num_envs < n_samples:
            states.append(obs)
            action, _ = model.predict(obs, deterministic=False)
            obs, *_ = env.step(action)
        batch = np.concatenate(states)[:n_samples]
        params = optimised_parameters(model)
        model.policy.set_training_mode(False)
        one_state = (obs_as_tensor(batch[i : i + 1], model.device) for i in range(len(batch)))
        return diagonal_fisher(params, one_state, lambda obs: -_log_likelihood(model, obs))


class PenaltyLogCallback(BaseCallback):
    """Logs ``transfer/penalty_<name>`` (the penalty's value at the last optimizer step)."""

    def __init__(self, penalty: QuadraticPenalty):
        super().__init__()
        self.penalty = penalty

    def _on_rollout_end(self) -> None:
        self.logger.record(f"transfer/penalty_{self.penalty.name}", self.penalty.last_value)

    def _on_step(self) -> bool:
        return True
