"""SubprocVecEnv start-up: workers forked from a forkserver that already holds SB3 and torch
(``rl_evolve.env_factory.preload_worker_modules``) against SB3's default, where each worker
imports them for itself.

Each case is a fresh process that builds ``build_vec_env(CartPole, n_envs, kind="subproc")``,
resets it and closes it, twice (a run builds its training env, then an evaluation env). The CPU
is the whole machine's (``/proc/stat``): the forkserver and the workers are not children the
process waits for, so its own ``rusage`` would miss them. Cases alternate, ``--repeats`` times
each; the table gives medians. Linux only.

Usage (about a minute on 2 cores)::

    .venv/bin/python benchmarks/subproc_startup.py --out benchmarks/results/subproc_startup.json
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import time
from pathlib import Path

from alternating import alternate

CHILD = """
import sys
from rl_evolve import env_factory
if sys.argv[1] == "off":
    env_factory.preload_worker_modules = lambda: None  # SB3's default: every worker imports
for _ in range(2):
    env = env_factory.build_vec_env({"id": "CartPole-v1"}, int(sys.argv[2]), seed=0, kind="subproc")
    env.reset()
    env.close()
"""


def machine_cpu_seconds() -> float:
    """user + nice + system time of all cores since boot."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:4]
    return sum(int(x) for x in fields) / 100


def one_case(preload: str, n_envs: int) -> tuple[float, float]:
    cpu, wall = machine_cpu_seconds(), time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", CHILD, preload, str(n_envs)],
        check=True,
        capture_output=True,
        env={"OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )
    time.sleep(0.5)  # let the forkserver exit
    return machine_cpu_seconds() - cpu, time.perf_counter() - wall - 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-envs", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = []
    for n_envs in args.n_envs:
        medians = alternate(
            {preload: functools.partial(one_case, preload, n_envs) for preload in ("off", "on")}, args.repeats
        )
        row = {"n_envs": n_envs}
        for preload, (cpu, wall) in medians.items():
            row[f"cpu_s_preload_{preload}"] = cpu
            row[f"wall_s_preload_{preload}"] = wall
        rows.append(row)
        print(
            f"n_envs={n_envs}: CPU {row['cpu_s_preload_off']} s -> {row['cpu_s_preload_on']} s, "
            f"wall {row['wall_s_preload_off']} s -> {row['wall_s_preload_on']} s "
            f"(SB3's default -> preloaded forkserver; median of {args.repeats})"
        )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"repeats": args.repeats, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
