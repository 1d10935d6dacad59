"""tensor_batches gives DataLoader's batches, in DataLoader's order."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from rl_evolve.core.batches import tensor_batches

DATA = TensorDataset(torch.arange(23.0).reshape(23, 1), torch.arange(23))


def batches(loader: DataLoader) -> list[list[torch.Tensor]]:
    return [list(batch) for batch in loader]


@pytest.mark.parametrize("shuffle", [False, True])
def test_the_batches_and_their_order_are_dataloaders_for_one_generator_seed(shuffle):
    ours = batches(tensor_batches(DATA, 5, shuffle, torch.Generator().manual_seed(3)))
    theirs = batches(
        DataLoader(DATA, batch_size=5, shuffle=shuffle, generator=torch.Generator().manual_seed(3))
    )
    assert len(ours) == len(theirs) == 5 and [len(b[1]) for b in ours] == [5, 5, 5, 5, 3]
    assert all(
        torch.equal(a, b) for x, y in zip(ours, theirs, strict=True) for a, b in zip(x, y, strict=True)
    )


def test_without_a_generator_both_draw_their_order_from_torchs_global_stream():
    torch.manual_seed(7)
    ours = batches(tensor_batches(DATA, 4, shuffle=True))
    torch.manual_seed(7)
    theirs = batches(DataLoader(DATA, batch_size=4, shuffle=True))
    assert all(torch.equal(x[1], y[1]) for x, y in zip(ours, theirs, strict=True))
    assert not torch.equal(ours[0][1], torch.arange(4))  # shuffled
