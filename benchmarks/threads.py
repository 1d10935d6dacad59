"""Threads on an idle and on a busy machine: rl-evolve's ``torch_threads`` against plain SB3.

Whole-process wall times, side by side in one run (ratios; these machines are noisy):

1. ``rl-evolve`` defaults (PPO CartPole, 100k steps) and ``rl-evolve algo=dqn total_timesteps=5000``
   against the same work in plain SB3 (``plain_sb3_cartpole.py``) with torch's default threads
   and with one thread; idle machine.
2. The same runs while one busy process holds a core (started and stopped here).
3. A 4-job sweep ``-m seed=0,1,2,3`` (DQN 5k) with ``hydra/launcher=joblib`` against the basic
   launcher.
4. One epoch of the BBC LSTM and of the MNIST CNN, idle and with a busy core.
5. ``--diagnose``: seconds per BBC-sized LSTM batch (64 x 400 tokens, the default model) by
   threads, denormal flush and load, to find what stalled it.

Usage (about 25 minutes on 2 cores; a run past 300 s is cut there and reported as 300)::

    .venv/bin/python benchmarks/threads.py --out benchmarks/results/threads.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
RL_EVOLVE = [sys.executable, "-m", "rl_evolve", "progress_bar=false"]
PLAIN = [sys.executable, str(HERE / "plain_sb3_cartpole.py")]
TIMEOUT = 300  # a stalled run is reported as this many seconds (censored), not waited for


def timed(cmd: list[str], threads: int | None = None) -> float:
    """Wall seconds of ``cmd`` run in a fresh folder; ``threads`` sets OMP_NUM_THREADS."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    with tempfile.TemporaryDirectory() as work:
        cmd = [c.replace("{work}", work) for c in cmd]
        start = time.perf_counter()
        try:
            subprocess.run(cmd, cwd=work, env=env, check=True, capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return float(TIMEOUT)
        return round(time.perf_counter() - start, 2)


@contextmanager
def busy_core() -> Iterator[None]:
    """One process spinning on a core, as another user's job would."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        yield
    finally:
        spinner.kill()
        spinner.wait()


RL_CASES = {
    "ppo_default": {
        "rl-evolve": RL_EVOLVE,
        "plain": [*PLAIN, "{work}", "100000", "ppo"],
    },
    "dqn_5k": {
        "rl-evolve": [*RL_EVOLVE, "algo=dqn", "total_timesteps=5000"],
        "plain": [*PLAIN, "{work}", "5000", "dqn"],
    },
}
SUPERVISED_CASES = {
    "lstm_bbc_1_epoch": [*RL_EVOLVE, "task=supervised", "model=lstm", "data=bbc_news", "fit.epochs=1"],
    "cnn_mnist_1_epoch": [*RL_EVOLVE, "task=supervised", "model=cnn", "data=mnist", "fit.epochs=1"],
}


def rl_rows(load: str, rounds: int, cases: list[str]) -> dict[str, dict[str, float]]:
    """Median wall time of each command over ``rounds`` rounds, the three run in turn."""
    rows = {}
    for name in cases:
        case = RL_CASES[name]
        times: dict[str, list[float]] = {
            "rl-evolve (torch_threads=1)": [],
            "plain SB3, torch default threads": [],
            "plain SB3, 1 thread": [],
        }
        for _ in range(rounds):
            times["rl-evolve (torch_threads=1)"].append(timed(case["rl-evolve"]))
            times["plain SB3, torch default threads"].append(timed(case["plain"]))
            times["plain SB3, 1 thread"].append(timed(case["plain"], threads=1))
        rows[name] = {column: statistics.median(values) for column, values in times.items()}
        print(load, name, times, flush=True)
    return rows


def sweep_rows() -> dict[str, float]:
    sweep = [*RL_EVOLVE[:3], "-m", *RL_CASES["dqn_5k"]["rl-evolve"][3:], "seed=0,1,2,3"]
    rows = {"basic launcher": timed(sweep), "joblib launcher": timed([*sweep, "hydra/launcher=joblib"])}
    rows["ratio joblib/basic"] = round(rows["joblib launcher"] / rows["basic launcher"], 3)
    print("sweep", rows, flush=True)
    return rows


def supervised_rows() -> dict[str, dict[str, float]]:
    rows = {}
    for name, cmd in SUPERVISED_CASES.items():
        idle = timed(cmd)
        with busy_core():
            busy = timed(cmd)
        rows[name] = {"idle": idle, "one busy core": busy, "ratio": round(busy / idle, 3)}
        print(name, rows[name], flush=True)
    return rows


LSTM_BATCHES = """
import sys, time, torch
from rl_evolve.runtime import configure
threads, flush = int(sys.argv[1]), sys.argv[2] == "flush"
configure(threads, flush_denormal=flush)
from rl_evolve.supervised.models import LSTMClassifier
torch.manual_seed(0)
model = LSTMClassifier(20_000, 5, 100, 128, 1, True, 0.3, "mean_max", 0.25, False)
optimizer = torch.optim.Adam(model.parameters(), 1e-3)
tokens = torch.randint(2, 20_000, (64, 400))
lengths = torch.randint(100, 401, (64,))
labels = torch.randint(0, 5, (64,))
times = []
for _ in range(4):
    start = time.perf_counter()
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(tokens, lengths), labels).backward()
    optimizer.step()
    times.append(time.perf_counter() - start)
print(sorted(times[1:])[1])  # median of the batches after the first
"""


def diagnose_rows() -> dict[str, float]:
    rows = {}
    for load in ("idle", "one busy core"):
        for threads in (1, 2):
            for flush in ("flush", "keep"):
                cmd = [sys.executable, "-c", LSTM_BATCHES, str(threads), flush]
                if load == "idle":
                    seconds = _batch_seconds(cmd)
                else:
                    with busy_core():
                        seconds = _batch_seconds(cmd)
                key = f"{load}, {threads} thread(s), denormals {'flushed' if flush == 'flush' else 'kept'}"
                rows[key] = seconds
                print(key, seconds, flush=True)
    return rows


def _batch_seconds(cmd: list[str]) -> float:
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return float("inf")
    return round(float(out.stdout.strip()), 3)


def ratios(idle: dict, busy: dict) -> dict[str, float]:
    out = {}
    for name in idle:
        fastest_plain = min(idle[name]["plain SB3, torch default threads"], idle[name]["plain SB3, 1 thread"])
        out[f"{name}: rl-evolve / fastest plain (idle)"] = round(
            idle[name]["rl-evolve (torch_threads=1)"] / fastest_plain, 3
        )
        for column in idle[name]:
            out[f"{name}: {column}, busy / idle"] = round(busy[name][column] / idle[name][column], 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--only", choices=["rl", "sweep", "supervised", "diagnose"], default=None)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of the RL cases (medians)")
    parser.add_argument("--cases", nargs="+", choices=sorted(RL_CASES), default=sorted(RL_CASES))
    parser.add_argument("--idle-only", action="store_true", help="RL cases on the idle machine only")
    args = parser.parse_args()
    result: dict = {"cpus": os.cpu_count()}
    if args.only in (None, "rl"):
        result["idle"] = rl_rows("idle", args.rounds, args.cases)
        if not args.idle_only:
            with busy_core():
                result["busy"] = rl_rows("one busy core", args.rounds, args.cases)
            result["ratios"] = ratios(result["idle"], result["busy"])
    if args.only in (None, "sweep"):
        result["sweep"] = sweep_rows()
    if args.only in (None, "supervised"):
        result["supervised"] = supervised_rows()
    if args.only in (None, "diagnose"):
        result["lstm_seconds_per_batch"] = diagnose_rows()
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
