"""Quadratic penalties that pull weights toward a source: L2-SP and EWC.

``0.5 * strength * sum_i w_i (theta_i - theta*_i)^2`` with ``w = 1`` (L2-SP, Li et al. 2018) or
``w = F`` the diagonal Fisher information (EWC, Kirkpatrick et al. 2017). The analytic gradient
``strength * w * (theta - theta*)`` is added to ``.grad`` just before the optimiser steps
(``Optimizer.register_step_pre_hook``), so any training loop that calls ``optimizer.step()``
(the Trainer, or SB3's own) gets the penalty without being copied or changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import torch
from torch import nn


class QuadraticPenalty:
    """Pulls ``params`` toward ``anchors`` with per-element ``weights`` (1 where None)."""

    name = "quadratic"

    def __init__(
        self,
        params: Mapping[str, nn.Parameter],
        anchors: Mapping[str, torch.Tensor],
        strength: float,
        weights: Mapping[str, torch.Tensor] | None = None,
    ):
        self.params = dict(params)
        self.anchors = {k: anchors[k].detach().to(p.device, copy=True) for k, p in self.params.items()}
        self.weights = (
            {k: weights[k].detach().to(p.device, copy=True) for k, p in self.params.items()}
            if weights
            else None
        )
        self.strength = strength

    def value(self) -> torch.Tensor:
        terms = [
            ((p.detach() - self.anchors[k]) ** 2 * (self.weights[k] if self.weights else 1.0)).sum()
            for k, p in self.params.items()
        ]
        return 0.5 * self.strength * (torch.stack(terms).sum() if terms else torch.zeros(()))

    @torch.no_grad()
    def add_gradients(self, keys: Iterable[str] | None = None) -> None:
        """Adds the penalty's analytic gradient to the ``.grad`` of every parameter (of ``keys``)."""
        for k in self.params if keys is None else keys:
            p = self.params[k]
            grad = self.strength * (p - self.anchors[k])
            if self.weights:
                grad = grad * self.weights[k]
            p.grad = grad if p.grad is None else p.grad + grad

    @property
    def last_value(self) -> float:
        """The penalty at the current weights, for logging (computed when read, not per step)."""
        return float(self.value())

    def attach(self, optimizer: torch.optim.Optimizer):
        """Adds the gradient of the parameters ``optimizer`` updates before each of its steps (an
        actor-critic attaches to both of its optimizers); returns the removable handle."""
        mine = {id(p) for group in optimizer.param_groups for p in group["params"]}
        keys = [k for k, p in self.params.items() if id(p) in mine]
        return optimizer.register_step_pre_hook(lambda *_: self.add_gradients(keys))


class L2SP(QuadraticPenalty):
    name = "l2sp"


class EWC(QuadraticPenalty):
    name = "ewc"


def penalty_toward(
    kind: str,
    params: Mapping[str, nn.Parameter],
    anchors: Mapping[str, torch.Tensor],
    strength: float,
    fisher: Mapping[str, torch.Tensor] | None = None,
) -> QuadraticPenalty | None:
    """``kind`` (``none``, ``l2sp`` or ``ewc``) pulling ``params`` toward ``anchors``; EWC takes the
    parameters ``fisher`` covers, weighted by it (its caller checks that there is one)."""
    if kind == "none":
        return None
    if kind == "ewc":
        covered = {k: p for k, p in params.items() if k in (fisher or {})}
        return EWC(covered, anchors, strength, {k: fisher[k] for k in covered})  # type: ignore[index]
    return L2SP(params, anchors, strength)


def matching_parameters(model: nn.Module, source: Mapping[str, torch.Tensor]) -> dict[str, nn.Parameter]:
    """The trainable parameters of ``model`` that ``source`` holds with the same shape."""
    return {
        k: p
        for k, p in model.named_parameters()
        if p.requires_grad and k in source and source[k].shape == p.shape
    }


def diagonal_fisher(
    params: Mapping[str, nn.Parameter], samples: Iterable, loss_of_sample: Callable[[object], torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Diagonal Fisher: the mean over ``samples`` of the squared gradient of each one's loss.

    Each item must be a single sample (a batch of one): squaring the gradient of a batch's
    mean loss gives the square of the mean gradient, which underestimates the Fisher, more
    the better the model fits.
    """
    fisher = {k: torch.zeros_like(p) for k, p in params.items()}
    n = 0
    for sample in samples:
        for p in params.values():
            p.grad = None
        loss_of_sample(sample).backward()
        for k, p in params.items():
            if p.grad is not None:
                fisher[k] += p.grad.detach() ** 2
        n += 1
    for p in params.values():
        p.grad = None
    return {k: f / max(n, 1) for k, f in fisher.items()}


def single_samples(
    batches: Iterable[Sequence[torch.Tensor]], limit: int
) -> Iterator[tuple[torch.Tensor, ...]]:
    """The first ``limit`` samples of ``batches`` (tuples of tensors), each as a batch of one."""
    count = 0
    for batch in batches:
        for i in range(len(batch[-1])):
            if count == limit:
                return
            yield tuple(t[i : i + 1] for t in batch)
            count += 1


def classifier_fisher(
    model: nn.Module,
    batches: Iterable[Sequence[torch.Tensor]],
    n_samples: int,
    empirical: bool = False,
    seed: int = 0,
) -> dict[str, torch.Tensor]:
    """Diagonal Fisher of a classifier over ``n_samples`` inputs ``(inputs..., label)``.

    The label of each input is drawn from the model's own predictive distribution (the true
    Fisher, as in Kirkpatrick et al. 2017), or with ``empirical`` the dataset's label.
    Dropout is off while it is computed.
    """
    was_training = model.training
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    params = {k: p for k, p in model.named_parameters() if p.requires_grad}

    device = next(model.parameters()).device

    def negative_log_likelihood(sample: tuple[torch.Tensor, ...]) -> torch.Tensor:
        *inputs, label = (t.to(device) for t in sample)
        logits = model(*inputs)
        if not empirical:
            with torch.no_grad():
                probs = torch.softmax(logits, dim=-1).cpu()
                label = torch.multinomial(probs, 1, generator=generator).squeeze(1).to(logits.device)
        return nn.functional.cross_entropy(logits, label)

    fisher = diagonal_fisher(params, single_samples(batches, n_samples), negative_log_likelihood)
    model.train(was_training)
    return fisher
