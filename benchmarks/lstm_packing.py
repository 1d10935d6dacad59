"""How to skip padding in a bidirectional LSTM on CPU: one forward + backward pass over a batch
shaped like the BBC recipe (32 articles, up to 300 tokens, embedding 100, hidden 64), by
torch's bidirectional ``nn.LSTM`` over packed sequences, the same over the padded batch (fast
but wrong: the backward direction reads the padding first), and the project's
``LengthAwareLSTM`` (exact; padded, or packed per direction). The loss reads every output
(as mean pooling does) or only the final states (as ``pooling=last`` does), with denormal
floats flushed to zero (what ``task=supervised`` sets) or not: a gradient that enters only at
the last step fades through 300 steps into denormals, which this CPU computes very slowly::

    .venv/bin/python benchmarks/lstm_packing.py --rounds 5 --out benchmarks/results/lstm_packing.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rl_evolve.supervised.models import LengthAwareLSTM


def main(rounds: int, out: Path | None, batch: int = 32, steps: int = 300, hidden: int = 64) -> None:
    torch.manual_seed(0)
    x = torch.randn(batch, steps, 100)
    # Article lengths as the BBC recipe sees them: most run past the 300-token cut.
    lengths = torch.randint(steps // 2, 2 * steps, (batch,)).clamp(max=steps)
    bidirectional = nn.LSTM(100, hidden, batch_first=True, bidirectional=True)
    length_aware = LengthAwareLSTM(100, hidden)
    length_aware_packed = LengthAwareLSTM(100, hidden, packed=True)

    def packed_reference() -> tuple[torch.Tensor, torch.Tensor]:
        outputs, (final, _) = bidirectional(
            pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        )
        return pad_packed_sequence(outputs, batch_first=True)[0], final

    runs: dict[str, Callable[[], tuple[torch.Tensor, torch.Tensor]]] = {
        "nn.LSTM bidirectional, packed": packed_reference,
        "nn.LSTM bidirectional, padded (inexact)": lambda: (lambda o: (o[0], o[1][0]))(bidirectional(x)),
        "LengthAwareLSTM, packed per direction": lambda: length_aware_packed(x, lengths),
        "LengthAwareLSTM (default)": lambda: length_aware(x, lengths),
    }
    reference = "nn.LSTM bidirectional, packed"
    cases = [
        (name, read, flush)
        for flush in (True, False)
        for read in ("outputs", "final states")
        for name in runs
    ]
    times: dict[tuple[str, str, bool], list[float]] = {case: [] for case in cases}
    for _ in range(rounds):  # alternate the cases so that machine noise hits each alike
        for name, read, flush in cases:
            torch.set_flush_denormal(flush)
            start = time.perf_counter()
            outputs, final = runs[name]()
            (outputs if read == "outputs" else final).sum().backward()
            times[(name, read, flush)].append(time.perf_counter() - start)
    torch.set_flush_denormal(False)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {batch} x {steps} steps")
    results = {}
    for (name, read, flush), seconds in times.items():
        median = statistics.median(seconds)
        speedup = statistics.median(times[(reference, read, flush)]) / median  # same loss, same floats
        label = f"{name} | loss on {read} | denormals {'flushed' if flush else 'kept'}"
        results[label] = {
            "median_s": round(median, 4),
            "times_s": [round(t, 4) for t in seconds],
            "speedup_vs_packed": round(speedup, 2),
        }
        print(f"{label}: {median * 1000:.0f} ms (median of {rounds}), {speedup:.1f}x packed nn.LSTM")
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "torch": torch.__version__,
                    "threads": torch.get_num_threads(),
                    "batch": batch,
                    "steps": steps,
                    "hidden": hidden,
                    "rounds": rounds,
                    "results": results,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    main(args.rounds, args.out)
