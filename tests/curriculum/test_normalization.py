"""A curriculum under zoo's ``normalize``: VecNormalize's statistics travel with the networks."""

from __future__ import annotations

import pickle

import pytest

from tests.conftest import FAST, read_summary, run_cli, run_folders

# PPO's zoo table on MountainCarContinuous sets normalize: true; two stages of 256 steps.
STAGES = (
    "curriculum.stages=[{name:weak,dynamics:{power:0.0012},budget:256,threshold:1e9,best_return:90},"
    "{name:strong,dynamics:{power:0.002},budget:256,threshold:1e9,best_return:90}]"
)
TINY = [
    "curriculum=mountaincar_engine",
    "algo=ppo",
    "env=mountaincar_continuous",
    STAGES,
    *FAST,
    "total_timesteps=512",
    "algo.n_steps=128",
    "algo.batch_size=64",
    "curriculum.eval_freq=256",
    "curriculum.eval_episodes=1",
    "curriculum.final_eval_episodes=1",
    "curriculum.random_episodes=1",
    "env.max_episode_steps=100",
]


def observations_seen(path) -> float:
    return pickle.loads(path.read_bytes()).obs_rms.count


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for mode in ("full", "none"):
        cwd = tmp_path_factory.mktemp(mode)
        result = run_cli(*TINY, f"transfer={mode}", cwd=cwd)
        assert result.returncode == 0, result.stderr
        (out[mode],) = run_folders(cwd / "runs")
    return out


def test_carried_networks_carry_their_statistics_and_fresh_ones_start_fresh(runs):
    for mode, run in runs.items():
        first = observations_seen(run / "checkpoints" / "stage0_weak.vecnormalize.pkl")
        second = observations_seen(run / "checkpoints" / "stage1_strong.vecnormalize.pkl")
        steps = read_summary(run)["stages"][1]["steps"]
        expected = first + steps if mode == "full" else steps
        assert second == pytest.approx(expected, abs=2), mode  # VecNormalize's count starts at 1e-4


def test_a_curriculum_run_is_evaluated_through_its_last_statistics(runs, tmp_path):
    run = runs["full"]
    assert (run / "checkpoints" / "last_vecnormalize.pkl").is_file()
    result = run_cli(
        "task=evaluate", f"source={run}", "eval.n_episodes=1", "progress_bar=false", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
