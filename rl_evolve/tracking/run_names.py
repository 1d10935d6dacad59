"""Run folders' names: a fresh run's folder, claimed for one process; a resumed segment's; a
sweep job's, named by its overrides in characters the command line takes back unquoted."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

_STARTED = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")


_CLAIMED: dict[str, str] = {}


def new_command() -> None:
    """Forgets the folders claimed so far: one command, one set of run folders (a process that
    runs several commands, as the tests do, would otherwise reuse a folder named to the same
    second)."""
    global _STARTED
    _CLAIMED.clear()
    _STARTED = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")


def claim_folder(path: str) -> str:
    """Creates and returns the first free one of ``path``, ``path_2``, ``path_3``, ... A run folder
    is named to the second, so runs started together from separate shells would otherwise share
    one; ``mkdir`` is atomic, so two processes never claim the same. Hydra may resolve its run dir
    more than once: a process keeps the folder it claimed first."""
    if path not in _CLAIMED:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        candidate, n = Path(path), 1
        while True:
            try:
                candidate.mkdir()
                break
            except FileExistsError:
                n += 1
                candidate = Path(f"{path}_{n}")
        _CLAIMED[path] = str(candidate)
    return _CLAIMED[path]


def run_dir(resume: str | None, fresh: str) -> str:
    """Hydra's run dir: a fresh run folder, or for ``resume=<run>`` a sub-folder of that run;
    either is claimed for this process alone."""
    if resume:
        if not (Path(resume) / ".hydra" / "overrides.yaml").is_file():
            raise ValueError(f"resume='{resume}' is not a run folder (no .hydra/overrides.yaml)")
        return claim_folder(f"{resume.rstrip('/')}/resumes/{_STARTED}")
    return claim_folder(fresh)


MAX_DIRNAME = 200  # file systems refuse names over 255 bytes
# Characters Hydra's override grammar takes unquoted and a shell leaves alone; conf/config.yaml
# joins a job's overrides with ``key:value`` and ``+`` (override_dirname's kv_sep and item_sep).
_NEEDS_QUOTES = re.compile(r"[^A-Za-z0-9_.:%@+\-]+")


def job_dirname(name: str) -> str:
    """A sweep job's folder name (its overrides, ``algo:dqn+seed:1``), one folder deep (a path in a
    value, e.g. ``evolve.champion:runs/x``, has its slashes replaced by ``%``) and in characters
    that need no quoting on the command line (others become ``_``), so the folder can be passed
    back as typed (``source=``, ``resume=``); cut with a hash suffix when too long."""
    name = _NEEDS_QUOTES.sub("_", name.replace("/", "%"))
    if len(name) <= MAX_DIRNAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return f"{name[: MAX_DIRNAME - 11]}~{digest}"


def run_label(
    task: Any,
    algo: str,
    env: str,
    model: str,
    data: str,
    curriculum: str | None = None,
    transfer: Any = None,
    strategy: Any = None,
) -> str:
    """The run folder's name after its timestamp: ``<algo>_<env>``, ``<model>_<data>``, for
    a curriculum ``<algo>_<curriculum>_<transfer mode>``, for a deployment
    ``<algo>_<env>_<strategy>``, for a tuning worker or an evaluation ``<algo>_<env>_<task>``."""
    task = str(getattr(task, "value", task))
    if task == "supervised":
        return f"{model}_{data}"
    if task == "evolve":
        return f"{algo}_{env}_{getattr(strategy, 'value', strategy)}"
    if task in ("tune", "evaluate"):
        return f"{algo}_{env}_{task}"
    if curriculum:
        return f"{algo}_{curriculum}_{getattr(transfer, 'value', transfer)}"
    return "_".join(str(x) for x in (algo, env) if x) or task
