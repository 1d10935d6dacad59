"""Batches of a ``TensorDataset``, fetched a whole batch at a time."""

from __future__ import annotations

import torch
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, TensorDataset


def tensor_batches(
    dataset: TensorDataset, batch_size: int, shuffle: bool = False, generator: torch.Generator | None = None
) -> DataLoader:
    """The batches of ``DataLoader(dataset, batch_size, shuffle, generator=generator)``, in its
    order, each fetched with one index (a ``BatchSampler`` as the sampler) instead of one Python
    call per sample and a collate: for a small model that per-sample loop is most of an epoch."""
    order = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
    return DataLoader(
        dataset,
        sampler=BatchSampler(order, batch_size, drop_last=False),
        batch_size=None,
        generator=generator,
    )
