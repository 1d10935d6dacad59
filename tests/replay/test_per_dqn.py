"""PER-DQN trains on CartPole through the CLI, logs per/ tags, and round-trips its buffer."""

from __future__ import annotations

import numpy as np
from stable_baselines3.common.env_util import make_vec_env
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rl_evolve.agents.per_dqn import PERDQN
from rl_evolve.replay.prioritized import PrioritizedReplayBuffer
from tests.conftest import FAST_DQN, read_summary, run_cli, run_folders


def test_per_dqn_run_trains_and_logs_per_tags(tmp_path):
    result = run_cli(*FAST_DQN, "replay=prioritized", "replay.double_q=true", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(tmp_path / "runs")
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {"per/beta", "per/priority_mean", "per/priority_max", "per/weight_mean"} <= tags
    betas = [e.value for e in acc.Scalars("per/beta")]
    assert betas == sorted(betas) and 0.4 <= betas[0] < betas[-1] <= 1.0
    assert read_summary(run)["status"] == "completed"


def test_priorities_and_tree_survive_save_and_load_of_the_replay_buffer(tmp_path):
    env = make_vec_env("CartPole-v1", n_envs=2, seed=0)
    model = PERDQN("MlpPolicy", env, learning_starts=50, train_freq=8, gradient_steps=2,
                   buffer_size=1000, seed=0, replay_buffer_kwargs={"alpha": 0.6, "seed": 0})
    model.learn(400)
    model.save(tmp_path / "model")
    model.save_replay_buffer(tmp_path / "buffer")
    loaded = PERDQN.load(tmp_path / "model", env=env)
    loaded.load_replay_buffer(tmp_path / "buffer")
    before, after = model.replay_buffer, loaded.replay_buffer
    assert isinstance(after, PrioritizedReplayBuffer)
    np.testing.assert_array_equal(before.tree.leaves, after.tree.leaves)
    assert after.tree.total == before.tree.total and after.max_priority == before.max_priority
    after.tree.check_invariant()
    loaded.learn(100, reset_num_timesteps=False)  # keeps training with the loaded priorities
