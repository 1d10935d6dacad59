"""Where the test suite's CPU goes: a pytest plugin that counts, in every test process, Hydra's
config compositions (and the CPU they take) and the garbage collector's time, plus the whole
machine's CPU over the session; and a summary of what the processes wrote.

Usage (the suite as ``make test`` runs it, a little slower for the counting)::

    SUITE_PROFILE_DIR=/tmp/suite_profile PYTHONPATH=benchmarks .venv/bin/pytest -q -p suite_profile
    .venv/bin/python benchmarks/suite_profile.py /tmp/suite_profile

Processes the tests start (launcher jobs, ``kill -9`` runs) are not counted, only the test
workers and pytest-xdist's controller; the machine's CPU includes everything.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import resource
import sys
import time
from pathlib import Path

_counts = {"compositions": 0, "composition_cpu_s": 0.0, "gc_s": 0.0, "process_cpu_s": 0.0}
_marks: dict[str, float] = {}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _machine_cpu_s() -> float:
    with open("/proc/stat") as f:
        return sum(int(x) for x in f.readline().split()[1:4]) / 100


def _on_gc(phase: str, info: dict) -> None:
    if phase == "start":
        _marks["gc"] = time.perf_counter()
    else:
        _counts["gc_s"] += time.perf_counter() - _marks["gc"]


def pytest_configure(config) -> None:
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    load = ConfigLoaderImpl.load_configuration

    @functools.wraps(load)
    def counted(*args, **kwargs):
        start = _cpu()
        try:
            return load(*args, **kwargs)
        finally:
            _counts["compositions"] += 1
            _counts["composition_cpu_s"] += _cpu() - start

    ConfigLoaderImpl.load_configuration = counted
    gc.callbacks.append(_on_gc)
    _marks["cpu"], _marks["machine"] = _cpu(), _machine_cpu_s()


def pytest_sessionfinish(session) -> None:
    _counts["process_cpu_s"] = _cpu() - _marks["cpu"]
    name = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    if name == "controller":
        _counts["machine_cpu_s"] = _machine_cpu_s() - _marks["machine"]
    out = Path(os.environ["SUITE_PROFILE_DIR"])
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(_counts))


def summary(folder: Path) -> dict[str, float]:
    """The processes' counts added up (rounded)."""
    total: dict[str, float] = {}
    for path in sorted(folder.glob("*.json")):
        for key, value in json.loads(path.read_text()).items():
            total[key] = total.get(key, 0) + value
    return {key: round(value, 1) for key, value in total.items()}


if __name__ == "__main__":
    totals = summary(Path(sys.argv[1]))
    print(json.dumps(totals, indent=2))
    if totals.get("compositions"):
        print(
            f"{totals['compositions']:.0f} compositions, "
            f"{totals['composition_cpu_s'] / totals['compositions']:.2f} s of CPU each; "
            f"{totals['composition_cpu_s'] / totals['machine_cpu_s']:.0%} of the machine's CPU"
        )
