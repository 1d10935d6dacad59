"""task=evaluate on a MuJoCo world: a grid over a body's mass and the floor's friction, and video."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from tests.conftest import FAST, evaluated, read_summary, run_cli, run_folders

pytestmark = pytest.mark.xdist_group("trained_hopper")

TINY_HOPPER = [
    *FAST,
    "env=hopper",
    "total_timesteps=256",
    "algo.n_steps=128",
    "algo.batch_size=64",
    "algo.n_epochs=1",
    "eval.freq=256",
    "env.max_episode_steps=50",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("hopper")
    result = run_cli(*TINY_HOPPER, cwd=cwd)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(cwd / "runs")
    return run


def test_a_grid_over_a_body_mass_and_friction_holds_every_cell(trained, tmp_path):
    run = evaluated(
        trained, tmp_path, "eval.n_episodes=1", "+eval.grid.mass.torso=[1,3]", "+eval.grid.friction=[0.25,1]"
    )
    with open(run / "grid.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(float(r["mass.torso"]), float(r["friction"])) for r in rows] == [
        (1.0, 0.25),
        (1.0, 1.0),
        (3.0, 0.25),
        (3.0, 1.0),
    ]
    assert read_summary(run)["grid"]["parameters"] == ["mass.torso", "friction"]


def egl_renders() -> str | None:
    """Why MuJoCo cannot render here, or None when it can (tried in a fresh interpreter)."""
    probe = (
        "import os; os.environ.setdefault('MUJOCO_GL', 'egl'); import gymnasium as gym; "
        "e = gym.make('Hopper-v5', render_mode='rgb_array', width=32, height=32); e.reset(seed=0); "
        "assert e.render().shape == (32, 32, 3)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    return None if result.returncode == 0 else (result.stderr.strip().splitlines() or ["?"])[-1]


def test_a_video_of_a_mujoco_episode_is_written(trained, tmp_path):
    why = egl_renders()
    if why is not None:
        pytest.skip(f"MuJoCo cannot render offscreen on this machine (MUJOCO_GL=egl): {why}")
    run = evaluated(trained, tmp_path, "eval.n_episodes=1", "eval.video=true")
    (video,) = (run / "videos").glob("*.mp4")
    assert video.stat().st_size > 1000
