"""zoo's ``normalize: true`` is SB3's VecNormalize: its statistics are saved beside the rolling
and best checkpoints, a resumed run goes on with them, and evaluation acts through them."""

from __future__ import annotations

import pickle

import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import VecNormalize

from rl_evolve.env_factory import build_vec_env
from rl_evolve.tasks.base import Seeds
from tests.conftest import read_summary, run_cli, run_folders

# zoo's table for PPO on MountainCarContinuous sets normalize: true
TINY = [
    "algo=ppo",
    "env=mountaincar_continuous",
    "progress_bar=false",
    "total_timesteps=256",
    "eval.freq=128",
    "eval.n_episodes=1",
    "checkpoint.freq=128",
]

pytestmark = pytest.mark.xdist_group("normalized_run")


@pytest.fixture(scope="module")
def normalized_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("normalized")
    assert run_cli(*TINY, cwd=cwd).returncode == 0
    (run,) = run_folders(cwd / "runs")
    return cwd, run


def observations_seen(path) -> float:
    return pickle.loads(path.read_bytes()).obs_rms.count


def test_the_statistics_are_saved_beside_the_last_and_the_best_checkpoint(normalized_run):
    _, run = normalized_run
    assert observations_seen(run / "checkpoints" / "last_vecnormalize.pkl") >= 256
    assert (run / "checkpoints" / "best_vecnormalize.pkl").is_file()


def test_a_resumed_run_goes_on_with_its_statistics(normalized_run, tmp_path):
    cwd, run = normalized_run
    before = observations_seen(run / "checkpoints" / "last_vecnormalize.pkl")
    assert run_cli(f"resume={run}", "total_timesteps=384", cwd=cwd).returncode == 0
    assert observations_seen(run / "checkpoints" / "last_vecnormalize.pkl") >= before + 128


def test_an_evaluation_acts_through_the_sources_statistics(normalized_run, tmp_path):
    _, run = normalized_run
    result = run_cli("task=evaluate", f"source={run}", "eval.n_episodes=2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    scored = read_summary(run_folders(tmp_path / "runs")[0])["mean_return"]
    plain = build_vec_env({"id": "MountainCarContinuous-v0", "dynamics": {}}, 1, Seeds(0).eval)
    env = VecNormalize.load(str(run / "checkpoints" / "last_vecnormalize.pkl"), plain)
    env.training, env.norm_reward = False, False
    by_hand, _ = evaluate_policy(PPO.load(run / "checkpoints" / "last.zip"), env, n_eval_episodes=2)
    assert scored == pytest.approx(by_hand)


DEPLOY = [
    "task=evolve",
    "algo=ppo",
    "env=mountaincar_continuous",
    "progress_bar=false",
    "dynamics=constant",
    "evolve.steps=2000",
    "evolve.best_return=90",
    "algo.n_steps=64",
    "algo.batch_size=64",
    "evolve.adapt_steps=500",
    "evolve.model_steps=500",
]


def test_a_normalize_champion_is_deployed_through_its_statistics(normalized_run, tmp_path, monkeypatch):
    from rl_evolve.evolve.world import World

    _, run = normalized_run
    served = []
    for name, scaled in (("scaled", True), ("raw", False)):
        if not scaled:  # the same deployment, the statistics left out: other observations, other actions
            monkeypatch.setattr(World, "normalise", lambda self, stats: None)
        result = run_cli(
            *DEPLOY, f"evolve.champion={run}", "evolve.strategy=static", f"experiment={name}", cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        (deployment,) = run_folders(tmp_path / "runs" / name)
        served.append(read_summary(deployment)["mean_return"])
    (scaled_run,) = run_folders(tmp_path / "runs" / "scaled")
    assert (scaled_run / "checkpoints" / "vecnormalize.pkl").is_file()
    assert served[0] != served[1]


def test_a_normalize_champion_adapts_in_the_deployed_world(normalized_run, tmp_path):
    _, run = normalized_run
    result = run_cli(*DEPLOY, f"evolve.champion={run}", "evolve.strategy=continual", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (deployment,) = run_folders(tmp_path / "runs")
    assert read_summary(deployment)["training_steps"] == 2000
