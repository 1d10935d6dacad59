"""Shared helpers: run the real CLI (in this process or its own), compose configs with Hydra's compose()."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from omegaconf import DictConfig

# Nothing heavy is imported here at module level: pytest-xdist's controller process loads this
# file too, and runs no test.

# Tiny budgets: enough for every code path (rollout, update, eval, checkpoint), seconds each.
FAST = ["progress_bar=false", "eval.n_episodes=2", "eval.freq=256", "checkpoint.freq=256"]
FAST_PPO = [
    *FAST,
    "total_timesteps=512",
    "n_envs=2",
    "algo.n_steps=128",
    "algo.batch_size=64",
    "algo.n_epochs=2",
]
FAST_DQN = [
    *FAST,
    "algo=dqn",
    "total_timesteps=512",
    "algo.learning_starts=128",
    "algo.train_freq=16",
    "algo.gradient_steps=4",
    "algo.buffer_size=2000",
]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``rl-evolve <args>`` from ``cwd``, as a user would type it, in this process: the exit code,
    stdout and stderr a subprocess would give, without a new interpreter's ~8 s of imports.
    Tests of what only a process has (signals, ``kill -9``, the installed command, launchers)
    use ``run_subprocess``."""
    from rl_evolve.cli import main

    out, err = io.StringIO(), io.StringIO()
    cwd_before, argv_before, path_before = os.getcwd(), list(sys.argv), list(sys.path)
    full_error_before = os.environ.get("HYDRA_FULL_ERROR")  # main() sets it
    os.chdir(cwd)
    sys.argv = ["rl-evolve", *args]
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as stopped:
                if isinstance(stopped.code, str):
                    print(stopped.code, file=sys.stderr)
                code = stopped.code if isinstance(stopped.code, int) else int(stopped.code is not None)
            except Exception:  # noqa: BLE001 - what the interpreter does with an uncaught error
                traceback.print_exc()
                code = 1
    finally:
        os.chdir(cwd_before)
        sys.argv[:], sys.path[:] = argv_before, path_before
        if full_error_before is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
    return subprocess.CompletedProcess(["rl-evolve", *args], code, out.getvalue(), err.getvalue())


def run_subprocess(
    *args: str, cwd: Path, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``rl-evolve <args>`` from ``cwd`` in a process of its own (``python -m rl_evolve``), with
    ``env`` added to this process's environment (``PYTHONPATH`` of a plain install, say)."""
    return subprocess.run(
        [sys.executable, "-m", "rl_evolve", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def install_copy(base: Path) -> Path:
    """Copies the project to ``base/src``, ``pip install``s it (not editable) into ``base/site``
    and returns that folder, for use on PYTHONPATH."""
    root = Path(__file__).resolve().parents[1]
    source = base / "src"
    shutil.copytree(
        root,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "runs", "*.egg-info", "build", "__pycache__", ".pytest_cache"
        ),
    )
    site = base / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    return site


@pytest.fixture(scope="session")
def installed_site(tmp_path_factory) -> Path:
    """The project as `pip install .` (not editable) puts it, in a folder for PYTHONPATH; one
    install shared by the tests that use it."""
    return install_copy(tmp_path_factory.mktemp("installed"))


def run_folders(root: Path) -> list[Path]:
    """Run folders (those holding a summary.json) below ``root``, oldest first."""
    return sorted((p.parent for p in root.rglob("summary.json")), key=lambda p: p.stat().st_mtime)


def read_summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())


def evaluated(source: Path, cwd: Path, *overrides: str) -> Path:
    """``rl-evolve task=evaluate source=<source> <overrides>`` run in ``cwd``; its run folder."""
    result = run_cli("task=evaluate", f"source={source}", "progress_bar=false", *overrides, cwd=cwd)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(cwd / "runs")
    return run


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread() -> None:
    """Every core runs a test worker (pytest-xdist): one compute thread each, as every run of ours
    uses."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture
def composed() -> Iterator:
    """``composed(overrides)``: the config the CLI would build for these overrides."""
    from hydra import compose, initialize_config_module

    from rl_evolve.config import register

    register()

    def _compose(*overrides: str) -> DictConfig:
        return compose(config_name="config", overrides=list(overrides))

    with initialize_config_module("rl_evolve.conf", version_base="1.3"):
        yield _compose


@pytest.fixture(autouse=True, scope="session")
def sb3_default_log_folder(tmp_path_factory) -> None:
    """SB3 gives a model that has no logger of its own a new folder in /tmp at every ``learn``
    (tests train such models directly): keep them in pytest's temporary folder instead."""
    os.environ["SB3_LOGDIR"] = str(tmp_path_factory.mktemp("sb3_logs"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: each test worker takes the next test when it is free, so the long
    ones overlap each other and the short ones fill in at the end, instead of one long test
    running alone on one core while the other core is idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
