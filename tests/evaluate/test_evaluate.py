"""task=evaluate: a trained agent scored over a grid of physics, and on video."""

from __future__ import annotations

import csv

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3 import PPO

from rl_evolve.errors import ConfigError
from rl_evolve.evaluate import grid as grid_map
from rl_evolve.evaluate.trained_range import trained_ranges
from rl_evolve.evaluate.video import check_renders
from rl_evolve.tasks.base import Seeds
from tests.conftest import FAST_PPO, evaluated, read_summary, run_cli, run_folders

CARTPOLE = {
    "name": "cartpole",
    "id": "CartPole-v1",
    "dynamics_spec": "rl_evolve.envs.cartpole:SPEC",
    "dynamics": {},
}


# the module's tests share one run (a module fixture): one test worker builds it
pytestmark = pytest.mark.xdist_group("trained")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("trained")
    assert run_cli(*FAST_PPO, "env.dynamics.length=0.6", cwd=cwd).returncode == 0
    (run,) = run_folders(cwd / "runs")
    return run


def test_the_grid_holds_every_combination_scored_as_the_agent_scores_there(trained, tmp_path):
    run = evaluated(
        trained, tmp_path, "eval.n_episodes=2", "+eval.grid.length=[0.5,1.5]", "+eval.grid.masspole=[0.1,0.4]"
    )
    with open(run / "grid.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(float(r["length"]), float(r["masspole"])) for r in rows] == [
        (0.5, 0.1),
        (0.5, 0.4),
        (1.5, 0.1),
        (1.5, 0.4),
    ]
    model = PPO.load(trained / "checkpoints" / "last.zip")
    settings = {**CARTPOLE, "dynamics": {"length": 0.6}}  # the run's own physics, the cell on top
    direct = grid_map.score(model, settings, {"length": 1.5, "masspole": 0.4}, 2, True, Seeds(0).eval)
    assert float(rows[3]["mean_return"]) == pytest.approx(np.mean(direct))
    assert (run / "generalisation.png").stat().st_size > 0
    summary = read_summary(run)
    assert summary["status"] == "completed" and summary["grid"]["cells"] == 4
    assert summary["grid"]["trained_on"] == {"length": [0.6, 0.6], "masspole": [0.1, 0.1]}


def test_a_video_of_an_episode_is_written(trained, tmp_path):
    run = evaluated(trained, tmp_path, "eval.n_episodes=1", "eval.video=true")
    (video,) = (run / "videos").glob("*.mp4")
    assert video.stat().st_size > 1000
    assert read_summary(run)["videos"] == [f"videos/{video.name}"]


class NoRender(gym.Env):
    metadata = {"render_modes": []}
    observation_space = gym.spaces.Box(-1, 1, (1,))
    action_space = gym.spaces.Discrete(2)


def test_an_env_that_cannot_render_frames_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="cannot render rgb_array frames"):
        check_renders(
            {"name": "norender", "id": "NoRender-v0", "entry_point": "tests.evaluate.test_evaluate:NoRender"}
        )


def test_the_trained_range_covers_a_schedule_and_a_curriculum():
    from omegaconf import OmegaConf

    defaults = {"length": 0.5, "gravity": 9.8}
    drift = OmegaConf.create(
        {
            "env": {"dynamics": {"gravity": None}},
            "dynamics": {
                "_target_": "rl_evolve.envs.schedules.Linear",
                "start": {"length": 0.5},
                "end": {"length": 1.5},
            },
        }
    )
    assert trained_ranges(drift, defaults) == {"length": (0.5, 1.5), "gravity": (9.8, 9.8)}
    stages = OmegaConf.create(
        {
            "env": {"dynamics": {}},
            "dynamics": {"_target_": "rl_evolve.envs.schedules.Constant"},
            "curriculum": {"stages": [{"dynamics": {"length": 0.3}}, {"dynamics": {"length": 2.0}}]},
        }
    )
    assert trained_ranges(stages, defaults)["length"] == (0.3, 2.0)
    assert trained_ranges(None, defaults)["length"] == (0.5, 0.5), "a bare zip: the env's defaults"


def test_the_report_links_an_evaluations_map_and_videos(trained, tmp_path):
    from rl_evolve.report.cli import main

    run = evaluated(trained, tmp_path, "eval.n_episodes=1", "eval.video=true", "+eval.grid.length=[0.5,1.0]")
    main([str(tmp_path / "runs"), "--out", str(tmp_path / "report")])
    text = (tmp_path / "report" / "report.md").read_text()
    (video,) = (run / "videos").glob("*.mp4")
    assert "## Evaluations" in text
    assert f"[generalisation.png](../runs/default/{run.name}/generalisation.png)" in text
    assert f"[{video.name}](../runs/default/{run.name}/videos/{video.name})" in text


def test_an_env_override_a_run_folder_would_replace_is_refused_in_one_line(trained, tmp_path):
    # the run's own env config is what it is scored on: a changed episode limit would be dropped
    result = run_cli("task=evaluate", f"source={trained}", "env.max_episode_steps=50", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "env.max_episode_steps=50 would be ignored" in line and "checkpoints/last.zip" in line


def test_an_override_that_agrees_with_the_run_folder_is_accepted(trained, tmp_path):
    run = evaluated(trained, tmp_path, "eval.n_episodes=1", "env=cartpole")
    assert read_summary(run)["status"] == "completed"
