"""One run's lifecycle, the same for every task: start, updates, and exactly one end.

``start`` writes ``summary.json`` as ``running`` with the run's provenance (package versions, git
revision, torch threads, device, seed); ``ending`` turns how the work stopped into the summary's
final status: ``interrupted`` (Ctrl-C), ``diverged`` (NaN/inf), a deliberate early stop's own
(``pruned``) or ``failed`` (any other error);
``finish`` records ``completed``. Every write is atomic (``RunFolder.write_summary``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import torch
from stable_baselines3.common.logger import CSVOutputFormat, Logger, TensorBoardOutputFormat

from rl_evolve.errors import Diverged, RunInterrupted, RunStopped
from rl_evolve.tracking.provenance import git_revision, package_versions
from rl_evolve.tracking.run_folder import RunFolder
from rl_evolve.tracking.step_axis import StepOffsetLogger


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


class RunRecorder:
    """Keeps a run's summary and writes it at every change of state."""

    def __init__(self, folder: RunFolder, resumed: bool = False):
        self.folder = folder
        self.summary: dict[str, Any] = folder.read_summary() if resumed else {}
        self._wall_before = float(self.summary.get("wall_time_s", 0.0))
        self._started = time.perf_counter()

    def start(self, task: str, seed: int, device: str, **fields: Any) -> None:
        """``running``, with what the run is and where it came from."""
        self.folder.root.mkdir(parents=True, exist_ok=True)
        self.summary.update(
            status="running",
            task=task,
            seed=seed,
            device=device,
            **fields,
            torch_threads=torch.get_num_threads(),
            run_dir=str(self.folder.root),
            versions=package_versions(),
            git_revision=git_revision(),
        )
        self.summary.setdefault("started_at", _now())
        self.summary["segments"] = int(self.summary.get("segments", 0)) + 1
        self.folder.write_summary(self.summary)

    @property
    def segment(self) -> int:
        """0 for a fresh run, n for its n-th resumed segment."""
        return int(self.summary.get("segments", 1)) - 1

    @property
    def wall_time(self) -> float:
        return self._wall_before + time.perf_counter() - self._started

    def update(self, **fields: Any) -> None:
        self.summary.update(fields)
        self.folder.write_summary(self.summary)

    def finish(self, status: str = "completed", **fields: Any) -> None:
        self.update(status=status, **fields, wall_time_s=round(self.wall_time, 3), finished_at=_now())

    @contextmanager
    def ending(
        self, resumable: bool = True, progress: Callable[[], dict[str, Any]] | None = None
    ) -> Iterator[None]:
        """Records how the work inside stopped, if it did not finish: Ctrl-C becomes
        ``interrupted`` (and ``RunInterrupted``, which says how to continue), a NaN ``diverged``
        (naming where the last good checkpoints are), anything else ``failed``; ``progress()``
        adds how far the run got."""
        try:
            yield
        except KeyboardInterrupt as exc:
            self.finish("interrupted", **(progress() if progress else {}))
            if isinstance(exc, RunInterrupted):
                raise
            raise RunInterrupted(self.folder.root, resumable) from None
        except Diverged as exc:
            self.finish("diverged", diverged=str(exc), **(progress() if progress else {}))
            raise Diverged(f"{exc}; the last good checkpoints are kept in {self.folder.checkpoints}") from exc
        except RunStopped as exc:
            self.finish(exc.status, **(progress() if progress else {}))
            raise
        except Exception as exc:
            self.finish("failed", error=f"{type(exc).__name__}: {exc}", **(progress() if progress else {}))
            raise

    def logger(self, offset_axis: bool = False) -> Logger:
        """SB3's logger to TensorBoard and CSV; a resumed segment gets its own CSV so nothing
        is overwritten. ``offset_axis``: a logger whose steps can be shifted (curriculum stages)."""
        name = "progress.csv" if self.segment == 0 else f"progress_resume{self.segment}.csv"
        formats = [
            TensorBoardOutputFormat(str(self.folder.tensorboard)),
            CSVOutputFormat(str(self.folder.root / name)),
        ]
        if offset_axis:
            return StepOffsetLogger(str(self.folder.root), formats)
        return Logger(str(self.folder.root), formats)
