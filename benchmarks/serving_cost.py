"""What serving and monitoring cost a deployed champion: ``evolve.strategy=static`` (serving,
the deployment log, TensorBoard per episode) and ``evolve`` (also the dynamics model, fitted once,
its surprise per episode, the detectors) against a bare SB3 ``predict`` + ``step`` loop on the
same champion, on a world that does not change (CartPole-v1, its own dynamics), one torch thread,
CPU time, alternating rounds so machine noise hits both alike. The champion is PPO with
task=evolve's settings, trained here first (``--train`` steps), or ``--champion`` (an SB3 .zip)::

    .venv/bin/python benchmarks/serving_cost.py --out benchmarks/results/serving_cost.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from omegaconf import OmegaConf
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.logger import configure

from rl_evolve.config.schema import EvolveConfig
from rl_evolve.evolve.loop import Deployment
from rl_evolve.evolve.strategies import STRATEGIES
from rl_evolve.evolve.world import World

CARTPOLE = {
    "name": "cartpole",
    "id": "CartPole-v1",
    "dynamics_spec": "rl_evolve.envs.cartpole:SPEC",
    "schedule": {"_target_": "rl_evolve.envs.schedules.Constant", "name": "constant"},
}


def bare(model: PPO, steps: int) -> float:
    """CPU seconds of SB3's own loop: ``predict`` then ``VecEnv.step``."""
    env = make_vec_env("CartPole-v1", n_envs=1, seed=0)
    obs = env.reset()
    start = time.process_time()
    for _ in range(steps):
        action, _ = model.predict(obs, deterministic=True)
        obs, _, _, _ = env.step(action)
    return time.process_time() - start


def deployed(model: PPO, steps: int, folder: Path, strategy: str) -> tuple[float, float]:
    """CPU seconds of ``task=evolve evolve.strategy=<strategy>`` for ``steps`` world steps (the
    deployment, without the run folder or the reference episodes), and its mean episode length."""
    cfg = OmegaConf.create({"seed": 0, "evolve": OmegaConf.structured(EvolveConfig(steps=steps))})
    world = World(CARTPOLE, seed=0)
    logger = configure(str(folder / "tb"), ["tensorboard"])
    start = time.process_time()
    deployment = Deployment(cfg, world, model, folder, logger, references=(20.0, 500.0))
    deployment.run(folder, STRATEGIES[strategy]())
    elapsed = time.process_time() - start
    lengths = [e.length for e in world.log.episodes]
    logger.close()
    world.close()
    return elapsed, float(np.mean(lengths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("::")[0])
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--train", type=int, default=50_000)
    parser.add_argument("--champion", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.champion:
        model = PPO.load(args.champion, device="cpu")
    else:
        model = PPO(
            "MlpPolicy",
            make_vec_env("CartPole-v1", n_envs=1, seed=0),
            n_steps=256,
            batch_size=256,
            gae_lambda=0.8,
            gamma=0.98,
            n_epochs=20,
            ent_coef=0.0,
            learning_rate=0.001,
            clip_range=0.2,
            seed=0,
            device="cpu",
        )
        model.learn(args.train)
    rows: dict[str, list[float]] = {"bare": [], "static": [], "evolve": []}
    lengths: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            rows["bare"].append(bare(model, args.steps))
            for strategy in ("static", "evolve"):
                seconds, length = deployed(model, args.steps, Path(tmp) / f"{strategy}{i}", strategy)
                rows[strategy].append(seconds)
                lengths.append(length)
    med = {k: statistics.median(v) for k, v in rows.items()}
    result = {
        "steps": args.steps,
        "rounds": args.rounds,
        "cpu_seconds": rows,
        "median_cpu_seconds": med,
        "ratio_static": med["static"] / med["bare"],
        "ratio_evolve": med["evolve"] / med["bare"],
        "mean_episode_length": float(np.mean(lengths)),
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
