"""Transfer copies what matches, re-initialises the rest, freezes the trunk, and penalises drift."""

from __future__ import annotations

import base64
import json
import zipfile

import cloudpickle
import numpy as np
import pytest
import torch
from stable_baselines3 import DQN, PPO

from rl_evolve.core.penalties import L2SP
from rl_evolve.env_factory import build_vec_env
from rl_evolve.errors import ConfigError
from rl_evolve.transfer import apply_transfer, attach_penalty, load_source, weights_of

CARTPOLE = {"name": "cartpole", "id": "CartPole-v1", "dynamics_spec": "rl_evolve.envs.cartpole:SPEC"}


def ppo(observe: tuple[str, ...] = (), seed: int = 0) -> PPO:
    env = build_vec_env({**CARTPOLE, "observe": list(observe)}, 1, seed)
    return PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=seed)


def test_full_transfer_copies_every_tensor():
    source, target = ppo(seed=1), ppo(seed=2)
    report = apply_transfer(target, weights_of(source, "src"), "full")
    assert report.reinitialised == [] and report.frozen == []
    for name, tensor in source.policy.state_dict().items():
        assert torch.equal(target.policy.state_dict()[name], tensor)


def test_trunk_transfer_reinitialises_layers_whose_shape_changed():
    # Appending the pole length to the observation widens the first layers' inputs.
    source, target = ppo(seed=1), ppo(observe=("length",), seed=2)
    fresh = {k: v.clone() for k, v in target.policy.state_dict().items()}
    report = apply_transfer(target, weights_of(source, "src"), "trunk")
    assert report.reinitialised == ["mlp_extractor.policy_net.0.weight", "mlp_extractor.value_net.0.weight"]
    state = target.policy.state_dict()
    for name in report.reinitialised:
        assert torch.equal(state[name], fresh[name])
    for name in report.copied:
        assert torch.equal(state[name], source.policy.state_dict()[name])


def test_full_transfer_between_different_shapes_names_the_tensor_and_suggests_trunk():
    expected = "'mlp_extractor.policy_net.0.weight' has shape .* use transfer=trunk"
    with pytest.raises(ConfigError, match=expected):
        apply_transfer(ppo(observe=("length",)), weights_of(ppo(), "src"), "full")


def test_a_transfer_where_nothing_matches_fails_clearly():
    dqn = DQN("MlpPolicy", build_vec_env(CARTPOLE, 1, 0), learning_starts=10, buffer_size=100)
    with pytest.raises(ConfigError, match="no tensor of src matches"):
        apply_transfer(dqn, weights_of(ppo(), "src"), "trunk")


def test_frozen_trunk_stops_gradients_but_heads_keep_learning():
    source, target = ppo(seed=1), ppo(seed=2)
    report = apply_transfer(target, weights_of(source, "src"), "frozen_trunk")
    assert report.frozen and all(n.startswith("mlp_extractor.") for n in report.frozen)
    before = {k: v.clone() for k, v in target.policy.state_dict().items()}
    target.learn(256)
    after = target.policy.state_dict()
    for name in report.frozen:
        assert torch.equal(after[name], before[name]), name
    assert not torch.equal(after["action_net.weight"], before["action_net.weight"])


def dqn(seed: int) -> DQN:
    return DQN(
        "MlpPolicy",
        build_vec_env(CARTPOLE, 1, seed),
        learning_starts=0,
        buffer_size=500,
        train_freq=4,
        gradient_steps=1,
        seed=seed,
    )


def test_frozen_trunk_on_pendulum_keeps_log_std_trainable():
    env = build_vec_env({"name": "pendulum", "id": "Pendulum-v1"}, 1, 0)
    source, target = (PPO("MlpPolicy", env, n_steps=64, batch_size=32, seed=s) for s in (1, 2))
    report = apply_transfer(target, weights_of(source, "src"), "frozen_trunk")
    assert "log_std" in report.copied and "log_std" not in report.frozen
    assert target.policy.log_std.requires_grad


@pytest.mark.parametrize("mode", ["full", "trunk", "frozen_trunk"])
def test_every_dqn_transfer_leaves_the_target_network_equal_to_the_online_one(mode):
    source = dqn(1)
    source.learn(300)  # target updates every 10,000 steps: here online and target differ
    assert not torch.equal(source.q_net.q_net[0].weight, source.q_net_target.q_net[0].weight)
    target = dqn(2)
    apply_transfer(target, weights_of(source, "src"), mode)
    online, frozen_target = target.q_net.state_dict(), target.q_net_target.state_dict()
    assert all(torch.equal(online[k], frozen_target[k]) for k in online)
    assert torch.equal(online["q_net.0.weight"], source.q_net.state_dict()["q_net.0.weight"])


def test_frozen_trunk_on_dqn_leaves_the_last_q_layer_trainable():
    target = dqn(2)
    report = apply_transfer(target, weights_of(dqn(1), "src"), "frozen_trunk")
    trainable = [k for k, p in target.policy.q_net.named_parameters() if p.requires_grad]
    assert trainable == ["q_net.4.weight", "q_net.4.bias"]
    assert "q_net.q_net.0.weight" in report.frozen


def test_l2sp_attached_to_sb3_optimizer_adds_its_analytic_gradient():
    source, target = ppo(seed=1), ppo(seed=2)
    weights = weights_of(source, "src")
    penalty = attach_penalty(target, weights, "l2sp", strength=0.5)
    assert isinstance(penalty, L2SP)
    param = target.policy.action_net.weight
    param.grad = torch.zeros_like(param)
    expected = 0.5 * (param.detach() - weights.policy["action_net.weight"])
    penalty.add_gradients()
    torch.testing.assert_close(param.grad, expected)


def test_sb3_training_steps_apply_the_penalty():
    source = ppo(seed=1)
    free, pulled = ppo(seed=2), ppo(seed=2)  # the same agent, trained with and without it
    penalty = attach_penalty(pulled, weights_of(source, "src"), "l2sp", strength=10.0)
    anchors = source.policy.state_dict()

    def distance(model: PPO) -> float:
        state = model.policy.state_dict()
        return float(sum(((state[k] - anchors[k]) ** 2).sum() for k in penalty.params))

    before = distance(pulled)
    free.learn(128)
    pulled.learn(128)
    assert distance(pulled) < distance(free) and distance(pulled) < before
    assert penalty.last_value == pytest.approx(0.5 * 10.0 * distance(pulled), rel=1e-5)


def test_ewc_without_a_fisher_says_it_needs_one():
    with pytest.raises(ConfigError, match="needs a Fisher estimate"):
        attach_penalty(ppo(), weights_of(ppo(seed=1), "src"), "ewc", strength=1.0)


def test_source_from_a_saved_zip_round_trips(tmp_path):
    model = ppo(seed=3)
    model.save(tmp_path / "model.zip")
    source = load_source(str(tmp_path / "model.zip"))
    for name, tensor in model.policy.state_dict().items():
        assert torch.equal(source.policy[name], tensor)


class _CreatesAFile:
    """Unpickling this runs code: it creates the file it names."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


def test_a_source_zip_is_read_for_its_tensors_only_and_never_unpickled(tmp_path):
    model = ppo(seed=3)
    model.save(tmp_path / "model.zip")
    planted = tmp_path / "planted"
    payload = base64.b64encode(cloudpickle.dumps(_CreatesAFile(planted))).decode()
    data = json.dumps({"policy_class": {":type:": "<class 'abc.ABCMeta'>", ":serialized:": payload}})
    with (
        zipfile.ZipFile(tmp_path / "model.zip") as original,
        zipfile.ZipFile(tmp_path / "tampered.zip", "w") as tampered,
    ):
        for name in original.namelist():
            tampered.writestr(name, data if name == "data" else original.read(name))
    source = load_source(str(tmp_path / "tampered.zip"))
    assert not planted.exists()
    assert torch.equal(source.policy["action_net.weight"], model.policy.state_dict()["action_net.weight"])


def test_a_corrupt_source_fails_with_one_line(tmp_path):
    (tmp_path / "model.zip").write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="corrupt or not an SB3 checkpoint"):
        load_source(str(tmp_path / "model.zip"))


def test_the_optimizer_state_carries_over_on_request_only():
    source = ppo(seed=1)
    source.learn(64)
    weights = weights_of(source, "src")
    kept, reset = ppo(seed=2), ppo(seed=2)
    apply_transfer(kept, weights, "full", carry_optimizer=True)
    apply_transfer(reset, weights, "full")
    assert kept.policy.optimizer.state_dict()["state"] and not reset.policy.optimizer.state_dict()["state"]
    with pytest.raises(ConfigError, match="needs transfer=full"):
        apply_transfer(ppo(seed=3), weights, "trunk", carry_optimizer=True)


@pytest.mark.parametrize("random_warmup", [False, True])
def test_a_transferred_off_policy_agent_acts_with_its_policy_unless_told_to_warm_up_randomly(
    composed, random_warmup
):
    # SB3 acts uniformly at random until learning_starts (the zoo's CartPole DQN: 1000 steps), a
    # fresh agent's warm-up; an agent given trained weights has a policy to act with instead.
    from rl_evolve.agents import build_agent
    from rl_evolve.transfer import fine_tune_config

    cfg = composed(
        "algo=dqn", "env=cartpole", "algo.exploration_final_eps=0", f"transfer.random_warmup={random_warmup}"
    )
    model = build_agent(fine_tune_config(cfg), build_vec_env(cfg.env, 1, 0))
    states = torch.rand(200, 4).numpy() * 0.2 - 0.1
    greedy = model.policy.q_net(torch.as_tensor(states)).argmax(dim=1).numpy()
    acted = []
    for state in states:
        model._last_obs = state[None]  # what SB3's collect_rollouts acts on
        acted.append(int(model._sample_action(model.learning_starts, None, 1)[0][0]))
    assert (int((np.array(acted) != greedy).sum()) > 20) == random_warmup
