"""The reference for the overhead and thread benchmarks: what a user writes by hand with plain SB3.

Same work as ``rl-evolve`` on CartPole-v1 with rl-baselines3-zoo's tuned hyperparameters:
``ppo`` (the default run: 100k steps, 8 DummyVecEnv envs) or ``dqn``; an EvalCallback every 10k
steps (10 deterministic episodes, best model saved), TensorBoard logging, final save and a final
10-episode evaluation. Torch's threads are whatever the environment gives (OMP_NUM_THREADS)::

    python benchmarks/plain_sb3_cartpole.py <out dir> [timesteps] [ppo|dqn]
"""

from __future__ import annotations

import sys
import tempfile

from stable_baselines3 import DQN, PPO
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import EvalCallback
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.utils import LinearSchedule


def build(algo: str, out: str) -> BaseAlgorithm:
    if algo == "ppo":
        env = make_vec_env("CartPole-v1", n_envs=8, seed=0)
        return PPO(
            "MlpPolicy",
            env,
            n_steps=32,
            batch_size=256,
            gae_lambda=0.8,
            gamma=0.98,
            n_epochs=20,
            ent_coef=0.0,
            learning_rate=LinearSchedule(1e-3, 0.0, 1.0),
            clip_range=LinearSchedule(0.2, 0.0, 1.0),
            seed=0,
            device="cpu",
            tensorboard_log=out,
            verbose=0,
        )
    env = make_vec_env("CartPole-v1", n_envs=1, seed=0)
    return DQN(
        "MlpPolicy",
        env,
        learning_rate=2.3e-3,
        batch_size=64,
        buffer_size=100_000,
        learning_starts=1000,
        gamma=0.99,
        target_update_interval=10,
        train_freq=256,
        gradient_steps=128,
        exploration_fraction=0.16,
        exploration_final_eps=0.04,
        policy_kwargs={"net_arch": [256, 256]},
        seed=0,
        device="cpu",
        tensorboard_log=out,
        verbose=0,
    )


def main(out: str, timesteps: int = 100_000, algo: str = "ppo") -> None:
    model = build(algo, out)
    eval_env = make_vec_env("CartPole-v1", n_envs=1, seed=10_000)
    callback = EvalCallback(
        eval_env,
        n_eval_episodes=10,
        eval_freq=10_000 // model.n_envs,
        best_model_save_path=out,
        log_path=out,
        deterministic=True,
    )
    model.learn(timesteps, callback=callback)
    model.save(f"{out}/last")
    mean, std = evaluate_policy(model, eval_env, n_eval_episodes=10, deterministic=True)
    print(f"final evaluation: {mean:.1f} +/- {std:.1f}")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(),
        int(sys.argv[2]) if len(sys.argv) > 2 else 100_000,
        sys.argv[3] if len(sys.argv) > 3 else "ppo",
    )
