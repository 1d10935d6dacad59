"""PER-DQN trains on CartPole through the CLI, logs per/ tags, and round-trips its buffer."""

from __future__ import annotations

import numpy as np
import torch as th
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure
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
    model = PERDQN(
        "MlpPolicy",
        env,
        learning_starts=50,
        train_freq=8,
        gradient_steps=2,
        buffer_size=1000,
        seed=0,
        replay_buffer_kwargs={"alpha": 0.6, "seed": 0},
    )
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


def test_one_training_step_matches_the_hand_computed_update():
    """TD errors, importance weights, the weighted Huber loss's SGD step and the new priorities,
    computed here from the formulas (Schaul et al. 2016) and compared with PERDQN.train."""
    env = make_vec_env("CartPole-v1", n_envs=1, seed=0)
    model = PERDQN(
        "MlpPolicy",
        env,
        buffer_size=100,
        gamma=0.9,
        learning_rate=0.05,
        max_grad_norm=1e9,
        seed=0,
        replay_buffer_kwargs={"alpha": 0.5, "beta0": 0.4, "seed": 0},
        policy_kwargs={"net_arch": [8], "optimizer_class": th.optim.SGD},
    )
    model.set_logger(configure(None, []))
    buffer = model.replay_buffer
    rng = np.random.default_rng(0)
    for i in range(10):
        obs, next_obs = rng.normal(size=(1, 4)), rng.normal(size=(1, 4))
        reward, done = np.array([rng.normal()]), np.array([float(i == 9)])
        buffer.add(obs, next_obs, np.array([[i % 2]]), reward, done, [{}])
    priorities = rng.uniform(0.1, 3.0, 10)
    buffer.update_priorities(np.arange(10), priorities - buffer.eps)
    sampled = []
    original_sample = buffer.sample
    buffer.sample = lambda *a, **k: sampled.append(original_sample(*a, **k)) or sampled[-1]
    before = {k: v.clone() for k, v in model.q_net.state_dict().items()}
    target = {k: v.clone() for k, v in model.q_net_target.state_dict().items()}

    model.train(gradient_steps=1, batch_size=6)

    (batch,) = sampled
    idx = batch.indices
    p_alpha = priorities**0.5
    w = (p_alpha[idx] / p_alpha.min()) ** -0.4  # (N P_i)^-beta over the largest such weight
    np.testing.assert_allclose(batch.weights.numpy().ravel(), w, rtol=1e-5)

    def q(params, x):
        hidden = th.relu(x @ params["q_net.0.weight"].T + params["q_net.0.bias"])
        return hidden @ params["q_net.2.weight"].T + params["q_net.2.bias"]

    params = {k: v.clone().requires_grad_(True) for k, v in before.items()}
    obs, next_obs = batch.observations.float(), batch.next_observations.float()
    with th.no_grad():
        y = batch.rewards + (1 - batch.dones) * 0.9 * q(target, next_obs).max(1, keepdim=True).values
    td = q(params, obs).gather(1, batch.actions.long()) - y
    huber = th.where(td.abs() < 1, 0.5 * td**2, td.abs() - 0.5)
    (th.tensor(w, dtype=th.float32).reshape(-1, 1) * huber).mean().backward()
    for k, p in model.q_net.state_dict().items():
        th.testing.assert_close(p, before[k] - 0.05 * params[k].grad, rtol=1e-5, atol=1e-6)
    expected = (np.abs(td.detach().numpy().ravel()) + buffer.eps) ** 0.5
    np.testing.assert_allclose(buffer.tree.leaves[idx], expected, rtol=1e-5)
