"""Shared helpers: run the real CLI in a subprocess, compose configs with Hydra's compose()."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig

from rl_evolve.config import register

# Tiny budgets: enough for every code path (rollout, update, eval, checkpoint), seconds each.
FAST = ["progress_bar=false", "eval.n_episodes=2", "eval.freq=256", "checkpoint.freq=256"]
FAST_PPO = [*FAST, "total_timesteps=512", "n_envs=2", "algo.n_steps=128", "algo.batch_size=64",
            "algo.n_epochs=2"]
FAST_DQN = [*FAST, "algo=dqn", "total_timesteps=512", "algo.learning_starts=128",
            "algo.train_freq=16", "algo.gradient_steps=4", "algo.buffer_size=2000"]


def run_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``rl-evolve <args>`` from ``cwd``, as a user would type it."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "rl_evolve", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def run_in_process(args: list[str], cwd, monkeypatch, capsys) -> tuple[int, str]:
    """``rl-evolve <args>`` in this process (no interpreter start-up): exit code and stderr."""
    from rl_evolve.cli import main

    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["rl-evolve", *args])
    try:
        main()
    except SystemExit as stopped:
        return int(stopped.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


def install_copy(base: Path) -> Path:
    """Copies the project to ``base/src``, ``pip install``s it (not editable) into ``base/site``
    and returns that folder, for use on PYTHONPATH."""
    root = Path(__file__).resolve().parents[1]
    source = base / "src"
    shutil.copytree(root, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "runs", "*.egg-info", "build", "__pycache__", ".pytest_cache"))
    site = base / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--target", str(site), str(source)],
                   check=True, capture_output=True)
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


@pytest.fixture
def composed() -> Iterator:
    """``composed(overrides)``: the config the CLI would build for these overrides."""
    register()

    def _compose(*overrides: str) -> DictConfig:
        return compose(config_name="config", overrides=list(overrides))

    with initialize_config_module("rl_evolve.conf", version_base="1.3"):
        yield _compose
