"""The prioritized variants of QR-DQN, SAC and TD3: with equal weights one training step is the
library's own step; the weights enter the critic's (or quantile) loss; the sampled slots get
their TD errors (or per-sample losses) as priorities."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch as th
from sb3_contrib import QRDQN
from stable_baselines3 import SAC, TD3
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

from rl_evolve.agents.per_actor_critic import PERSAC, PERTD3
from rl_evolve.agents.per_qrdqn import PERQRDQN, per_sample_quantile_huber

VARIANTS = {
    "qrdqn": (PERQRDQN, QRDQN, "CartPole-v1", {"policy_kwargs": {"net_arch": [8], "n_quantiles": 5}}),
    "sac": (PERSAC, SAC, "Pendulum-v1", {"policy_kwargs": {"net_arch": [8]}}),
    "td3": (PERTD3, TD3, "Pendulum-v1", {"policy_kwargs": {"net_arch": [8]}, "policy_delay": 1}),
}


def filled(cls, env_id: str, alpha: float, **kwargs):
    """A model whose buffer holds 20 random transitions (the same for every call)."""
    env = make_vec_env(env_id, n_envs=1, seed=0)
    prioritized = cls in (PERQRDQN, PERSAC, PERTD3)
    kwargs = {
        "learning_rate": 0.01,
        **kwargs,
        **({"replay_buffer_kwargs": {"alpha": alpha, "seed": 0}} if prioritized else {}),
    }
    model = cls("MlpPolicy", env, buffer_size=100, seed=0, **kwargs)
    model.set_logger(configure(None, []))
    rng = np.random.default_rng(0)
    shape, space = env.observation_space.shape, env.action_space
    for i in range(20):
        action = np.array([[i % space.n]]) if hasattr(space, "n") else rng.uniform(-1, 1, (1, *space.shape))
        model.replay_buffer.add(
            rng.normal(size=(1, *shape)),
            rng.normal(size=(1, *shape)),
            action,
            np.array([rng.normal()]),
            np.array([float(i % 7 == 6)]),
            [{}],
        )
    return model


def recording(model) -> list:
    sampled, sample = [], model.replay_buffer.sample
    model.replay_buffer.sample = lambda *a, **k: sampled.append(sample(*a, **k)) or sampled[-1]
    return sampled


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_with_equal_weights_one_step_is_the_librarys_own_step(name):
    per_cls, base_cls, env_id, kwargs = VARIANTS[name]
    per, base = filled(per_cls, env_id, alpha=0.0, **kwargs), filled(base_cls, env_id, 0.0, **kwargs)
    base.policy.load_state_dict(per.policy.state_dict())
    sampled = recording(per)
    th.manual_seed(1)
    per.train(gradient_steps=1, batch_size=8)
    (batch,) = sampled
    assert th.all(batch.weights == 1.0)  # alpha 0: every priority is 1
    base.replay_buffer.sample = lambda *a, **k: batch
    th.manual_seed(1)
    base.train(gradient_steps=1, batch_size=8)
    theirs = base.policy.state_dict()
    for key, ours in per.policy.state_dict().items():
        th.testing.assert_close(ours, theirs[key], msg=key)


def test_td3_weights_its_critic_loss_and_reprioritises_by_td_error():
    model = filled(
        PERTD3,
        "Pendulum-v1",
        alpha=1.0,
        policy_delay=2,
        target_policy_noise=0.0,
        learning_rate=0.1,
        policy_kwargs={"net_arch": [8], "optimizer_class": th.optim.SGD},
    )
    buffer = model.replay_buffer
    buffer.update_priorities(np.arange(20), np.linspace(0.1, 2.0, 20) - buffer.eps)
    critic, critic_target, actor_target = (
        copy.deepcopy(m) for m in (model.critic, model.critic_target, model.actor_target)
    )
    sampled = recording(model)
    model.train(gradient_steps=1, batch_size=8)  # _n_updates 1: no actor step, only the critic's
    (data,) = sampled
    with th.no_grad():
        next_q = th.cat(critic_target(data.next_observations, actor_target(data.next_observations)), 1)
        target = data.rewards + (1 - data.dones) * model.gamma * next_q.min(1, keepdim=True).values
    current = critic(data.observations, data.actions)
    loss = sum((data.weights * (q - target) ** 2).mean() for q in current)
    loss.backward()
    for p, after in zip(critic.parameters(), model.critic.parameters(), strict=True):
        th.testing.assert_close(p.detach() - 0.1 * p.grad, after.detach())
    td = (th.cat(current, 1) - target).abs().mean(1).detach().numpy()
    np.testing.assert_allclose(buffer.tree.leaves[data.indices], td + buffer.eps, rtol=1e-5)


def test_qrdqn_weights_its_quantile_loss_and_reprioritises_by_it():
    model = filled(PERQRDQN, "CartPole-v1", alpha=1.0, policy_kwargs={"net_arch": [8], "n_quantiles": 5})
    buffer = model.replay_buffer
    buffer.update_priorities(np.arange(20), np.linspace(0.1, 2.0, 20) - buffer.eps)
    net, target_net = copy.deepcopy(model.quantile_net), copy.deepcopy(model.quantile_net_target)
    sampled = recording(model)
    model.train(gradient_steps=1, batch_size=8)
    (data,) = sampled
    with th.no_grad():
        nxt = target_net(data.next_observations)
        best = nxt.mean(1, keepdim=True).argmax(2, keepdim=True).expand(8, 5, 1)
        target = data.rewards + (1 - data.dones) * model.gamma * nxt.gather(2, best).squeeze(2)
        current = net(data.observations).gather(2, data.actions[..., None].long().expand(8, 5, 1)).squeeze(2)
        per_sample = per_sample_quantile_huber(current, target)
    from sb3_contrib.common.utils import quantile_huber_loss

    th.testing.assert_close(per_sample.mean(), quantile_huber_loss(current, target, sum_over_quantiles=True))
    assert not th.all(data.weights == data.weights[0])  # the priorities differ, so do the weights
    np.testing.assert_allclose(buffer.tree.leaves[data.indices], per_sample.numpy() + buffer.eps, rtol=1e-5)
