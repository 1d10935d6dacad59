"""One ``sample(batch)`` + ``update_priorities`` cycle at capacity 1,000,000 with CartPole-sized
transitions: rl_evolve's PrioritizedReplayBuffer against cpprb's (C++) PrioritizedReplayBuffer,
and SB3's uniform ``ReplayBuffer.sample`` for scale. Alternating rounds, median per cycle::

    .venv/bin/pip install -e '.[bench]'   # cpprb, for this benchmark only
    .venv/bin/python benchmarks/replay_sampling.py --out benchmarks/results/replay_sampling.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from cpprb import PrioritizedReplayBuffer as CppPER
from gymnasium import spaces
from stable_baselines3.common.buffers import ReplayBuffer

from rl_evolve.replay.prioritized import PrioritizedReplayBuffer
from rl_evolve.replay.sum_tree import SumTree

CAPACITY = 1_000_000
OBS = spaces.Box(-np.inf, np.inf, (4,), np.float32)
ACT = spaces.Discrete(2)


def fill_sb3(buffer: ReplayBuffer, rng: np.random.Generator) -> None:
    """Fills every slot through SB3's own storage, then (for PER) distinct priorities."""
    buffer.observations[:] = rng.random(buffer.observations.shape, dtype=np.float32)
    buffer.next_observations[:] = rng.random(buffer.next_observations.shape, dtype=np.float32)
    buffer.actions[:] = rng.integers(0, 2, buffer.actions.shape)
    buffer.rewards[:] = 1.0
    buffer.full, buffer.pos = True, 0
    if isinstance(buffer, PrioritizedReplayBuffer):
        buffer.update_priorities(np.arange(CAPACITY), rng.random(CAPACITY) * 5)


def per_cycle_us(fn, n: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    ours = PrioritizedReplayBuffer(CAPACITY, OBS, ACT, device="cpu", seed=0)
    fill_sb3(ours, rng)
    uniform = ReplayBuffer(CAPACITY, OBS, ACT, device="cpu")
    fill_sb3(uniform, rng)
    cpp = CppPER(
        CAPACITY, {"obs": {"shape": 4}, "act": {}, "rew": {}, "next_obs": {"shape": 4}, "done": {}}, alpha=0.6
    )
    chunk = 100_000
    for _ in range(CAPACITY // chunk):
        cpp.add(
            obs=rng.random((chunk, 4)),
            act=rng.integers(0, 2, chunk),
            rew=np.ones(chunk),
            next_obs=rng.random((chunk, 4)),
            done=np.zeros(chunk),
            priorities=rng.random(chunk) * 5,
        )

    results = {}
    for batch in (32, 256):
        td = rng.random(batch)

        def ours_cycle(batch=batch, td=td):
            s = ours.sample(batch)
            ours.update_priorities(s.indices, td)

        def cpp_cycle(batch=batch, td=td):
            s = cpp.sample(batch, beta=0.4)
            cpp.update_priorities(s["indexes"], td + 1e-6)

        def uniform_sample(batch=batch):
            uniform.sample(batch)

        rounds = {"rl_evolve_per": [], "cpprb_per": [], "sb3_uniform_sample": []}
        for _ in range(args.rounds):
            rounds["rl_evolve_per"].append(per_cycle_us(ours_cycle, args.cycles))
            rounds["cpprb_per"].append(per_cycle_us(cpp_cycle, args.cycles))
            rounds["sb3_uniform_sample"].append(per_cycle_us(uniform_sample, args.cycles))
        med = {k: statistics.median(v) for k, v in rounds.items()}
        results[batch] = {
            "median_us": {k: round(v, 1) for k, v in med.items()},
            "ratio_to_cpprb": round(med["rl_evolve_per"] / med["cpprb_per"], 3),
        }
    ours.tree.check_invariant()

    # The sum tree alone (fresh random priorities, sample + update), by fan-out.
    tree_only = {}
    for fan_out in (2, 8, 32, 64):
        tree = SumTree(CAPACITY, fan_out)
        tree.update(np.arange(CAPACITY), rng.random(CAPACITY) * 5 + 1e-3)
        for batch in (32, 256):
            td = rng.random(batch) + 1e-3

            def tree_cycle(tree=tree, batch=batch, td=td):
                tree.update(tree.sample_stratified(batch, rng), td)

            times = [per_cycle_us(tree_cycle, args.cycles) for _ in range(args.rounds)]
            tree_only[f"fan_out={fan_out},batch={batch}"] = round(statistics.median(times), 1)
    results["sum_tree_only_us"] = tree_only
    print("| batch | rl_evolve PER (us) | cpprb PER (us) | SB3 uniform sample (us) | ours / cpprb |")
    print("|---|---|---|---|---|")
    for batch, r in results.items():
        if batch == "sum_tree_only_us":
            continue
        m = r["median_us"]
        print(
            f"| {batch} | {m['rl_evolve_per']} | {m['cpprb_per']} | {m['sb3_uniform_sample']} | "
            f"{r['ratio_to_cpprb']} |"
        )
    print("sum tree alone, sample + update (us):", tree_only)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
