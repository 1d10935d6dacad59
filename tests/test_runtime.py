"""Threads and denormal floats, what a run sets before its first torch operation; and its exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch

from rl_evolve.env_factory import build_vec_env
from rl_evolve.errors import ConfigError
from rl_evolve.runtime import set_torch_threads

# The largest float32 denormal, made from its bits: a float literal would be flushed on creation.
_DENORMALS_DOUBLED = """
x = torch.full((1 << 20,), 0x007FFFFF, dtype=torch.int32).view(torch.float32)
print(int(((x * 2.0) != 0).sum()))  # 2**20 elements: torch splits the work over its threads
"""


def _nonzero_after_doubling(setup: str) -> int:
    """Runs ``setup`` in a fresh interpreter, then doubles 2**20 denormals on two threads;
    returns how many results are not flushed to zero."""
    code = "import torch\n" + textwrap.dedent(setup) + _DENORMALS_DOUBLED
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


def test_denormals_flush_in_every_compute_thread_when_set_before_torch_work():
    assert (
        _nonzero_after_doubling("""
        from rl_evolve.runtime import configure
        configure(2, flush_denormal=True)
    """)
        == 0
    )


def test_a_flush_set_after_torch_started_its_threads_misses_them():
    # Why configure() runs first: the pool's threads keep the register they were created with.
    assert (
        _nonzero_after_doubling("""
        torch.set_num_threads(2)
        torch.ones(1 << 20).sum()
        torch.set_flush_denormal(True)
    """)
        > 0
    )


def test_torch_threads_reach_torch_and_the_processes_a_run_starts():
    code = """
        import os, torch
        from rl_evolve.runtime import set_torch_threads
        print(set_torch_threads(1), torch.get_num_threads(), os.environ["OMP_NUM_THREADS"])
    """
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["1", "1", "1"]


_CYCLE_LEFT_AT_EXIT = """
import atexit, gc
gc.disable()  # the cycle below stays uncollected until the interpreter exits
from rl_evolve.runtime import collect_nothing_at_exit
{setup}
class Cycle:
    def __del__(self):
        print("collected at exit")
atexit.register(print, "exit handler ran")
cycle = Cycle()
cycle.itself = cycle
del cycle
print("end of script")
"""


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("collect_nothing_at_exit()", ["end of script", "exit handler ran"]),
        ("", ["end of script", "exit handler ran", "collected at exit"]),
    ],
    ids=["skipped", "python's default"],
)
def test_exit_skips_the_last_collection_but_runs_exit_handlers(setup, expected):
    code = _CYCLE_LEFT_AT_EXIT.format(setup=setup)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == expected


def test_null_torch_threads_leaves_torch_default():
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        assert set_torch_threads(None) == 3 and torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_torch_threads_must_be_positive():
    with pytest.raises(ConfigError, match="torch_threads"):
        set_torch_threads(0)


@pytest.mark.slow
def test_subprocess_env_workers_use_the_run_thread_count():
    settings = {"name": "probe", "id": "ThreadProbe-v0", "entry_point": "tests.thread_probe:ThreadProbeEnv"}
    for threads in (1, 2):
        env = build_vec_env(settings, 2, seed=0, kind="subproc", torch_threads=threads)
        try:
            assert env.env_method("torch_threads") == [threads, threads]
        finally:
            env.close()
