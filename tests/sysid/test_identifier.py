"""System identification: an identifier learns the physics from histories through the core
Trainer, its estimate takes the true context's place in the observation, and the commands that
collect and identify keep what they read and write honest."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from rl_evolve.core.checkpoints import save_checkpoint
from rl_evolve.core.trainer import EarlyStopping, Trainer
from rl_evolve.env_factory import make_env
from rl_evolve.errors import ConfigError
from rl_evolve.sysid.data import Episodes, window_dataset, windows
from rl_evolve.sysid.identifier import Identifier, Shape, load_identifier
from rl_evolve.tasks.identify import r2_scores
from tests.conftest import read_summary, run_cli, run_folders

CARTPOLE = {
    "name": "cartpole",
    "id": "CartPole-v1",
    "dynamics_spec": "rl_evolve.envs.cartpole:SPEC",
    "dynamics": {},
}


def synthetic(episodes: int, seed: int) -> Episodes:
    """x' = x + k * a with k the hidden parameter: a history of (x, previous a) reveals k."""
    rng = np.random.default_rng(seed)
    rows, params = [], []
    for _ in range(episodes):
        k, x, previous, history = rng.uniform(0.5, 2.0), 0.0, 0.0, []
        for _ in range(20):
            history.append([x, previous])
            previous = rng.uniform(-1, 1)
            x = x + k * previous
        rows.append(np.array(history, dtype=np.float32))
        params.append([k])
    return Episodes(rows, np.array(params, dtype=np.float32), ["k"], {})


def test_windows_end_at_each_step_and_are_zero_padded_before_the_episode():
    rows = np.arange(6, dtype=np.float32).reshape(3, 2)
    w = windows(rows, 2)
    assert w.shape == (3, 2, 2)
    np.testing.assert_array_equal(w[0], [[0, 0], [0, 1]])
    np.testing.assert_array_equal(w[2], [[2, 3], [4, 5]])


@pytest.mark.parametrize("kind", ["lstm", "mlp"])
def test_the_identifier_learns_a_known_parameter_through_the_core_trainer(kind):
    torch.manual_seed(0)
    shape = Shape(width=2, window=8, names=("k",), low=(0.0,), high=(3.0,), kind=kind, hidden=32)
    model = Identifier(shape)
    train, held_out = synthetic(300, 0), synthetic(50, 1)
    inputs, targets = window_dataset(train, np.arange(300), 8, min_history=3)
    model.fit_standardisation(inputs)

    def loader(data: Episodes, shuffle: bool) -> DataLoader:
        x, y = window_dataset(data, np.arange(len(data.rows)), 8, min_history=3)
        return DataLoader(
            TensorDataset(torch.from_numpy(x), torch.from_numpy(model.scale(y))),
            batch_size=256,
            shuffle=shuffle,
        )

    trainer = Trainer(
        model,
        torch.optim.Adam(model.parameters(), lr=3e-3),
        None,
        loss_fn=torch.nn.MSELoss(),
        plugins=[EarlyStopping("loss", 5, "min")],
        progress=False,
    )
    trainer.fit(loader(train, True), loader(held_out, False), 40)
    x, truth = window_dataset(held_out, np.arange(50), 8, min_history=3)
    (r2,) = r2_scores(truth, model.unscale(model.estimate(x)))
    assert r2 > 0.9


def test_r2_is_one_for_a_perfect_estimate_and_zero_for_the_mean():
    truth = np.array([[1.0], [2.0], [3.0]])
    assert r2_scores(truth, truth) == [1.0]
    assert r2_scores(truth, np.full_like(truth, 2.0)) == [0.0]


def saved_identifier(path, names=("length",)) -> None:
    shape = Shape(width=6, window=4, names=names, low=(0.05,), high=(5.0,), hidden=8)
    save_checkpoint(path, Identifier(shape).state())


def test_the_estimate_takes_the_true_contexts_place_in_the_observation(tmp_path):
    saved_identifier(tmp_path / "identifier.pt")
    true_context = make_env({**CARTPOLE, "observe": ["length"]})
    estimated = make_env({**CARTPOLE, "observe_estimated": str(tmp_path)})
    assert estimated.observation_space.shape == true_context.observation_space.shape
    obs, info = estimated.reset(seed=0)
    assert estimated.observation_space.contains(obs)
    assert set(info["estimated_dynamics"]) == {"length"}
    obs, *_, info = estimated.step(1)
    assert 0.05 <= info["estimated_dynamics"]["length"] <= 5.0


def test_an_identifier_of_another_env_is_refused_in_one_line(tmp_path):
    saved_identifier(tmp_path / "identifier.pt")
    pendulum = {
        "name": "pendulum",
        "id": "Pendulum-v1",
        "dynamics_spec": "rl_evolve.envs.pendulum:SPEC",
        "dynamics": {},
        "observe_estimated": str(tmp_path),
    }
    with pytest.raises(ConfigError, match="which env=pendulum lacks"):
        make_env(pendulum)
    (tmp_path / "identifier.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ConfigError, match="is corrupt"):
        load_identifier(tmp_path)


def test_a_recurrent_policys_memory_is_reset_at_each_episode_start_in_evaluation():
    from sb3_contrib import RecurrentPPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    def episodes_by_hand(model, reset: bool) -> list[float]:
        env = make_vec_env(lambda: gym.make("CartPole-v1"), n_envs=1, seed=3)
        obs, state, start, returns, total = env.reset(), None, np.ones(1, dtype=bool), [], 0.0
        while len(returns) < 3:
            starts = start if reset else np.zeros(1, dtype=bool)
            action, state = model.predict(obs, state=state, episode_start=starts, deterministic=True)
            obs, reward, dones, _ = env.step(action)
            total, start = total + float(reward[0]), dones
            if dones[0]:
                returns, total = [*returns, total], 0.0
        return returns

    env = make_vec_env(lambda: gym.make("CartPole-v1"), n_envs=1, seed=3)
    model = RecurrentPPO("MlpLstmPolicy", env, seed=2, policy_kwargs={"lstm_hidden_size": 8})
    with torch.no_grad():  # a fresh LSTM's memory barely moves its action: scaled up, it does
        for p in [*model.policy.lstm_actor.parameters(), *model.policy.action_net.parameters()]:
            p.mul_(8)
    env.seed(3)
    scored, _ = evaluate_policy(
        model, env, n_eval_episodes=3, deterministic=True, return_episode_rewards=True
    )
    assert list(map(float, scored)) == episodes_by_hand(model, reset=True)
    assert episodes_by_hand(model, reset=False) != episodes_by_hand(model, reset=True), "memory carries over"


@pytest.mark.xdist_group("sysid_cli")
def test_collect_identify_and_act_on_the_estimate_from_the_command_line(tmp_path):
    ranges = "+dynamics.ranges.length=[0.25,1.5]"
    result = run_cli("task=collect", ranges, "sysid.episodes=40", "progress_bar=false", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (collected,) = run_folders(tmp_path / "runs")
    assert (collected / "dataset.npz").is_file()
    assert read_summary(collected)["episodes"] == 40
    (tmp_path / "identify").mkdir()
    (tmp_path / "act").mkdir()
    result = run_cli(
        "task=identify",
        f"sysid.data={collected}",
        "sysid.epochs=2",
        "sysid.hidden=8",
        "progress_bar=false",
        cwd=tmp_path / "identify",
    )
    assert result.returncode == 0, result.stderr
    (identified,) = run_folders(tmp_path / "identify" / "runs")
    summary = read_summary(identified)
    assert set(summary["identification"]["held_out"]) == {"length"}
    assert summary["training_ranges"]["length"][0] >= 0.25
    length = summary["identification"]["held_out"]["length"]
    # the spec's bounds for the pole (0.05-5) are wider than the collected range, so the same
    # error is a smaller share of them
    assert 0 < length["mae_of_spec_range"] < length["mae_of_training_range"]
    result = run_cli(
        f"env.observe_estimated={identified}",
        "total_timesteps=256",
        "algo.n_steps=64",
        "algo.batch_size=64",
        "n_envs=1",
        "eval.freq=256",
        "eval.n_episodes=1",
        "progress_bar=false",
        cwd=tmp_path / "act",
    )
    assert result.returncode == 0, result.stderr


def test_identify_without_collected_data_is_refused_in_one_line(tmp_path):
    result = run_cli("task=identify", f"sysid.data={tmp_path}", cwd=tmp_path)
    assert result.returncode == 2
    assert "holds no collected trajectories" in result.stderr.strip().splitlines()[-1]


def test_the_deployed_world_records_each_episodes_estimate_for_the_evolve_loop(tmp_path):
    from rl_evolve.evolve.world import World

    saved_identifier(tmp_path / "identifier.pt")
    world = World({**CARTPOLE, "observe_estimated": str(tmp_path)}, 0)
    for _ in range(200):
        world.vec_env.step(np.array([world.vec_env.action_space.sample()]))
    episodes = world.log.episodes
    world.close()
    assert episodes and all(e.estimate is not None and 0.0 <= e.estimate <= 1.0 for e in episodes)
    plain = World(CARTPOLE, 0)
    for _ in range(50):
        plain.vec_env.step(np.array([0]))
    assert plain.log.episodes and all(e.estimate is None for e in plain.log.episodes)
    plain.close()


def test_the_wrapper_reads_the_windows_the_identifier_was_trained_on(tmp_path):
    saved_identifier(tmp_path / "identifier.pt")
    identifier = load_identifier(tmp_path)
    env = make_env({**CARTPOLE, "observe_estimated": str(tmp_path)})
    obs, info = env.reset(seed=0)
    rows, served = [np.concatenate([obs[:4], [0.0, 0.0]])], [info["estimated_context"]]
    for action in [1, 0, 0, 1, 1, 1]:
        obs, *_, info = env.step(action)
        rows.append(np.concatenate([obs[:4], np.eye(2)[action]]))
        served.append(info["estimated_context"])
    expected = identifier.estimate(windows(np.array(rows, dtype=np.float32), identifier.shape.window))
    np.testing.assert_allclose(np.array(served), expected, rtol=1e-5, atol=1e-6)
