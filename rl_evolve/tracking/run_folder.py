"""The layout of one run folder, and its ``summary.json``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@contextmanager
def written_together(*paths: Path) -> Iterator[tuple[Path, ...]]:
    """Temporary names for ``paths`` (in the same folders) to write to; when the block ends without
    error, each one written is renamed over its path. A kill mid-write (``kill -9``) leaves the
    earlier files whole, where writing in place leaves a truncated one.

    For files one process writes (a run's own): the temporary name is fixed, so the next write
    replaces what a killed one left, instead of leaving it on disk for good."""
    staged = tuple(path.with_name(f".{path.name}.partial") for path in paths)
    try:
        yield staged
    except BaseException:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in zip(staged, paths, strict=True):
        if tmp.exists():
            os.replace(tmp, path)


def atomic_write_text(path: Path, text: str) -> None:
    """Written to a temporary name, then renamed: a crash mid-write never leaves a truncated file,
    and readers of a file several processes write (a study's workers) never see half of one. The
    temporary name is the writer's own (its pid), so two writers never share one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def find_runs(roots: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    """Every run folder (one holding ``summary.json``) below ``roots``, with its summary."""
    return [
        (path.parent, json.loads(path.read_text()))
        for root in roots
        for path in sorted(root.rglob("summary.json"))
    ]


@dataclass(frozen=True)
class RunFolder:
    """``runs/<experiment>/<run>/``: Hydra's ``.hydra/``, TensorBoard events, checkpoints."""

    root: Path

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def last_model(self) -> Path:
        return self.checkpoints / "last.zip"

    @property
    def last_replay_buffer(self) -> Path:
        return self.checkpoints / "last_replay_buffer.pkl"

    @property
    def last_dynamics_clock(self) -> Path:
        return self.checkpoints / "last_dynamics_clock.json"

    @property
    def last_normalization(self) -> Path:
        """SB3's ``VecNormalize`` statistics beside ``last.zip`` (runs with ``normalize``)."""
        return self.checkpoints / "last_vecnormalize.pkl"

    @property
    def best_normalization(self) -> Path:
        return self.checkpoints / "best_vecnormalize.pkl"

    @property
    def best_model(self) -> Path:
        return self.checkpoints / "best_model.zip"

    @property
    def evaluations(self) -> Path:
        return self.root / "evaluations.npz"

    @property
    def tensorboard(self) -> Path:
        return self.root / "tb"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def config(self) -> Path:
        return self.root / ".hydra" / "config.yaml"

    @property
    def overrides(self) -> Path:
        return self.root / ".hydra" / "overrides.yaml"

    def read_summary(self) -> dict[str, Any]:
        return json.loads(self.summary.read_text()) if self.summary.is_file() else {}

    def write_summary(self, summary: dict[str, Any]) -> None:
        atomic_write_text(self.summary, json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
