"""Why the BBC LSTM is slow here: one forward + backward of a bidirectional LSTM over a batch
of 64 sequences of up to 400 steps, packed (unsorted, sorted) against unpacked (padded)::

    .venv/bin/python benchmarks/lstm_packing.py
"""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


def main(rounds: int = 3) -> None:
    torch.manual_seed(0)
    lstm = nn.LSTM(100, 128, batch_first=True, bidirectional=True)
    x = torch.randn(64, 400, 100)
    lengths = torch.randint(100, 400, (64,))
    cases = {
        "packed, unsorted": lambda: lstm(pack_padded_sequence(x, lengths, batch_first=True,
                                                              enforce_sorted=False))[1][0],
        "packed, sorted": lambda: lstm(pack_padded_sequence(
            x, torch.sort(lengths, descending=True).values, batch_first=True))[1][0],
        "unpacked (padded)": lambda: lstm(x)[1][0],
    }
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for name, forward in cases.items():
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            forward().sum().backward()
            times.append(time.perf_counter() - start)
        print(f"{name}: {statistics.median(times):.2f} s forward + backward (median of {rounds})")


if __name__ == "__main__":
    main()
