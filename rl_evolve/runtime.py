"""Process-wide compute settings a run makes before any torch work: threads and denormals.

Small networks gain little from torch's intra-op threads, and on a machine where another job
holds a core those threads spin and wait on each other: runs many times slower
(docs/performance.md, ``benchmarks/threads.py``). A run therefore sets ``torch_threads`` (1 by
default) for torch, for the BLAS and OpenMP pools numpy and scikit-learn use (threadpoolctl),
and, through the environment, for every process it starts (SubprocVecEnv workers, launcher jobs).

Denormal floats: ``torch.set_flush_denormal`` sets the calling thread's MXCSR register only.
A thread inherits the register from the thread that creates it, so flushing before torch's
first parallel operation (which creates its OpenMP pool) makes every compute thread flush;
``tests/test_runtime.py`` checks this in a fresh process.

Exit: the interpreter's last garbage collection walks every object torch, SB3 and Hydra made
(seconds after a short DQN run: docs/performance.md); ``collect_nothing_at_exit`` skips it.
torch is imported inside the functions that use it: the command line calls
``collect_nothing_at_exit`` before it knows whether the command needs torch at all.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import sys

from rl_evolve.errors import ConfigError

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def set_torch_threads(threads: int | None) -> int:
    """Sets torch's intra-op threads and the BLAS/OpenMP pools to ``threads`` (None: leave
    torch's default); child processes inherit it. Returns the number of threads in force."""
    import torch

    if threads is None:
        return torch.get_num_threads()
    if threads < 1:
        raise ConfigError(f"torch_threads must be a positive integer or null, got {threads}")
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)
    torch.set_num_threads(threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)  # numpy's OpenBLAS and other OpenMP pools in this process
    return torch.get_num_threads()


def flush_denormals() -> bool:
    """Reads floats below ~1e-38 as zero in this thread and in threads it creates afterwards.
    Returns False where the CPU cannot (no DAZ)."""
    import torch

    return bool(torch.set_flush_denormal(True))


def resolve_device(device: str) -> str:
    """``auto``: a GPU when torch sees one, else the CPU. A GPU asked for by name must exist:
    training on the CPU while the saved config says cuda would mislead whoever reads it."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except RuntimeError as exc:
        raise ConfigError(f"device='{device}' is not a torch device (cpu, cuda, cuda:1, auto)") from exc
    if kind == "cuda" and not torch.cuda.is_available():
        raise ConfigError(
            f"device={device} but torch sees no GPU here; use device=cpu, or device=auto "
            f"to take a GPU where there is one"
        )
    return device


def configure(threads: int | None, flush_denormal: bool = False) -> None:
    """Everything a run sets before its first torch operation (the summary records the threads)."""
    set_torch_threads(threads)
    if flush_denormal:
        flush_denormals()


@functools.cache  # registers once, however often a process calls it
def collect_nothing_at_exit() -> None:
    """At exit, moves every object into the collector's permanent generation (``gc.freeze``), so
    the interpreter's shutdown skips collecting them. atexit handlers, ``weakref.finalize``
    callbacks and the flushing of stdout and stderr still run; only ``__del__`` of objects alive
    at exit is skipped, which Python does not promise to run. Call it early: handlers registered
    later run before it."""
    atexit.register(gc.freeze)


def show_progress_bar(requested: bool) -> bool:
    """Progress bars only on a terminal: written to a log file, every frame would stay in it
    (runs print plain lines there: evaluations, epochs)."""
    return requested and sys.stderr.isatty()
