"""The Trainer's training throughput against a bare PyTorch loop: same model, data, batch size.

The CNN of ``model=cnn`` on the 5,000 MNIST digits (batch 64, Adam), one epoch per measurement,
the two loops alternating in one process from the same initial weights so machine noise hits
both alike; the Trainer runs with its progress bar, as a user runs it::

    .venv/bin/python benchmarks/trainer_throughput.py --rounds 5 \
        --out benchmarks/results/trainer_throughput.json
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from rl_evolve.core.trainer import Trainer
from rl_evolve.supervised.datasets import load_mnist
from rl_evolve.supervised.models import CNN


def bare_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, loader: DataLoader) -> None:
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    for images, labels in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    data = load_mnist()
    dataset = TensorDataset(torch.as_tensor(data.inputs), torch.as_tensor(data.labels))
    torch.manual_seed(0)
    initial = CNN((1, 28, 28), 10)
    rates: dict[str, list[float]] = {"bare": [], "trainer": []}
    for _ in range(args.rounds):
        for name in ("bare", "trainer"):
            model = copy.deepcopy(initial)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            loader = DataLoader(
                dataset, batch_size=args.batch_size, shuffle=True, generator=torch.Generator().manual_seed(0)
            )
            start = time.perf_counter()
            if name == "bare":
                bare_epoch(model, optimizer, loader)
            else:
                Trainer(model, optimizer, n_classes=10, progress=True).train_epoch(loader)
            rates[name].append(len(dataset) / (time.perf_counter() - start))
    ratios = [t / b for t, b in zip(rates["trainer"], rates["bare"], strict=True)]
    result = {
        "samples_per_s": {k: [round(v, 1) for v in vs] for k, vs in rates.items()},
        "ratios": [round(r, 3) for r in ratios],
        "median_ratio": round(statistics.median(ratios), 3),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch_size": args.batch_size,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
