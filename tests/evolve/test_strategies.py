"""The baselines a gate must beat do what they say."""

from __future__ import annotations


def test_continual_restart_clears_the_optimisers_state_on_a_return_alarm():
    from types import SimpleNamespace

    from stable_baselines3 import DQN

    from rl_evolve.evolve.strategies import ContinualRestart
    from rl_evolve.evolve.world import Episode

    model = DQN("MlpPolicy", "CartPole-v1", learning_starts=10, train_freq=1, seed=0)
    model.learn(50)
    assert model.policy.optimizer.state, "Adam has moments after training"

    class Alarms:
        def update(self, value):
            return True

    d = SimpleNamespace(
        log_new_episodes=lambda: [Episode(0, 20, 20.0, 20, "adapt", 0)],
        detectors={"return": Alarms()},
        alarms=[],
        record_alarm=lambda ep, signal, value: d.alarms.append({"signal": signal, "value": value}),
        adaptations=[],
    )
    ContinualRestart().after_episodes(d, model)  # type: ignore[arg-type]
    assert not model.policy.optimizer.state
    assert d.alarms[0]["signal"] == "return" and d.adaptations[0]["restart"]
