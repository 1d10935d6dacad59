"""A loss or weight that becomes NaN or infinite stops the run as 'diverged', good checkpoints kept."""

from __future__ import annotations

import pytest
import torch
from stable_baselines3 import PPO

from rl_evolve.core.trainer import Checkpointer
from rl_evolve.env_factory import build_vec_env
from rl_evolve.errors import Diverged
from rl_evolve.tracking.callbacks import DivergenceCallback
from tests.conftest import FAST_DQN, read_summary, run_cli, run_folders
from tests.core.test_trainer import toy_loaders, toy_trainer


def test_a_nan_weight_stops_sb3_training_before_the_next_rollout_steps():
    model = PPO(
        "MlpPolicy",
        build_vec_env({"name": "cartpole", "id": "CartPole-v1"}, 1, 0),
        n_steps=64,
        batch_size=32,
        n_epochs=1,
        seed=0,
    )
    with torch.no_grad():
        model.policy.action_net.weight[0, 0] = float("nan")
    with pytest.raises(Diverged, match="policy weight 'action_net.weight' is not finite at step 0"):
        model.learn(128, callback=DivergenceCallback())
    assert model.num_timesteps == 0


def test_a_nan_weight_is_never_written_into_the_rolling_checkpoint(tmp_path):
    from rl_evolve.tracking.callbacks import LastCheckpointCallback

    model = PPO(
        "MlpPolicy",
        build_vec_env({"name": "cartpole", "id": "CartPole-v1"}, 1, 0),
        n_steps=64,
        batch_size=32,
        n_epochs=1,
        seed=0,
    )
    saved: list[int] = []

    def poison_after_first_save(m) -> None:
        saved.append(m.num_timesteps)
        with torch.no_grad():
            m.policy.value_net.weight[0, 0] = float("nan")  # actions stay finite: the run goes on

    with pytest.raises(Diverged, match="'value_net.weight' is not finite at step 32"):
        model.learn(
            128,
            callback=[
                DivergenceCallback(weight_check_steps=10_000),
                LastCheckpointCallback(16, poison_after_first_save),
            ],
        )
    assert saved == [16]


def test_the_trainer_stops_on_a_non_finite_loss_and_keeps_the_last_good_checkpoint(tmp_path):
    trainer = toy_trainer([Checkpointer(tmp_path)])
    train, val = toy_loaders()
    trainer.fit(train, val, epochs=1)
    good = (tmp_path / "last.pt").read_bytes()
    for group in trainer.optimizer.param_groups:
        group["lr"] = float("inf")  # the next step makes every weight infinite
    with pytest.raises(Diverged, match="training loss is .* at epoch 2"):
        trainer.fit(train, val, epochs=3)
    assert (tmp_path / "last.pt").read_bytes() == good


@pytest.mark.parametrize(
    "overrides",
    [
        [*FAST_DQN, "algo.learning_rate=1e30"],
        [
            "task=supervised",
            "data=synthetic_images",
            "data.size=240",
            "fit.epochs=2",
            "progress_bar=false",
            "fit.optimizer.lr=1e30",
        ],
    ],
    ids=["dqn", "supervised"],
)
def test_a_diverging_run_exits_non_zero_with_one_line_and_status_diverged(tmp_path, overrides):
    result = run_cli(*overrides, cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rl-evolve: diverged: "), result.stderr
    (run,) = run_folders(tmp_path / "runs")
    assert read_summary(run)["status"] == "diverged"
