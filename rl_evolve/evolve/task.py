"""The ``evolve`` task: a champion deployed in a world whose dynamics follow ``dynamics``, under
``evolve.strategy``; writes ``lineage.json``, ``episodes.csv``, ``deployment.png`` and the summary."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.logger import configure

from rl_evolve.agents import build_agent
from rl_evolve.curriculum.evaluation import random_policy_return
from rl_evolve.env_factory import build_vec_env, check_env_exists, env_settings
from rl_evolve.errors import ConfigError, invalid_choice
from rl_evolve.evolve import results
from rl_evolve.evolve.detectors import build_detector
from rl_evolve.evolve.loop import Deployment
from rl_evolve.evolve.world import World
from rl_evolve.runtime import show_progress_bar
from rl_evolve.tasks import check_rl_run
from rl_evolve.tracking.callbacks import DivergenceCallback
from rl_evolve.tracking.recorder import EVAL_SEED_OFFSET, RunRecorder
from rl_evolve.tracking.run_folder import RunFolder
from rl_evolve.transfer import load_weights_into

REFERENCE_SEED_OFFSET = 30_000
SIGNALS = ("either", "return", "surprise")  # the reference episodes (random policy, champion at home)


def check_evolve(ev: DictConfig) -> None:
    """Settings that cannot work fail before anything is built."""
    if not isinstance(ev.detector, DictConfig):
        raise ConfigError(f"evolve.detector is a config group: evolve/detector={ev.detector} "
                          "(cusum, adwin or page_hinkley; its settings then as evolve.detector.<name>=...)")
    build_detector(ev.detector)
    if ev.signal not in SIGNALS:
        raise invalid_choice("evolve.signal", ev.signal, SIGNALS)
    for name in ("steps", "adapt_steps", "model_steps", "recent_steps"):
        if ev[name] <= 0:
            raise ConfigError(f"evolve.{name} must be positive, got {ev[name]}")
    if ev.gate_episodes < 2:
        raise ConfigError(f"evolve.gate_episodes must be at least 2 (a test needs a spread), "
                          f"got {ev.gate_episodes}")
    if not 0 < ev.gate_alpha < 1:
        raise ConfigError(f"evolve.gate_alpha must be in (0, 1), got {ev.gate_alpha}")


def _champion(cfg: DictConfig, world: World) -> BaseAlgorithm:
    """``evolve.champion`` (tensors only, checked against this env and algo) or a fresh agent."""
    model = build_agent(cfg, world.vec_env)
    if cfg.evolve.champion:
        load_weights_into(model, cfg.evolve.champion, "evolve.champion",
                          f"algo={cfg.algo.name} on env={cfg.env.name}")
    return model


def _pretrain(cfg: DictConfig, model: BaseAlgorithm, folder: RunFolder) -> BaseAlgorithm:
    """Trains the champion on the env's own dynamics (outside the deployment's budget); its
    curves go to ``tb/champion``, a TensorBoard run of their own beside the deployment's."""
    home = build_vec_env(env_settings(cfg.env), cfg.n_envs, cfg.seed, str(cfg.vec_env.value),
                         cfg.torch_threads)
    champion = build_agent(cfg, home)
    champion.set_logger(configure(str(folder.tensorboard / "champion"), ["tensorboard"]))
    print(f"training the champion: {cfg.total_timesteps} steps of {cfg.algo.name} on {cfg.env.id}")
    champion.learn(cfg.total_timesteps, callback=DivergenceCallback(),
                   progress_bar=show_progress_bar(cfg.progress_bar))
    champion.logger.close()
    model.policy.load_state_dict(champion.policy.state_dict())
    home.close()
    return model


def _references(cfg: DictConfig, model: BaseAlgorithm) -> tuple[float, float]:
    """The normalised scale: a random policy's return and the champion's (or ``best_return``)
    on the env's own dynamics, in an env of their own."""
    home = build_vec_env(env_settings(cfg.env), 1, cfg.seed + REFERENCE_SEED_OFFSET)
    random_return = random_policy_return(home, 20, cfg.seed)
    best = cfg.evolve.best_return
    if best is None:
        best, _ = evaluate_policy(model, home, n_eval_episodes=20, deterministic=cfg.evolve.deterministic)
    home.close()
    if best <= random_return:
        raise ConfigError(f"the champion's return at home ({best:.1f}) is not above a random policy's "
                          f"({random_return:.1f}); train it longer or set evolve.best_return")
    return float(random_return), float(best)


def run_evolve(cfg: DictConfig, run_dir: Path) -> float | None:
    """Deploys, monitors and adapts; returns the mean normalised return of every episode."""
    check_rl_run(cfg, "deployment")
    check_evolve(cfg.evolve)
    settings = {**env_settings(cfg.env), "schedule": OmegaConf.to_container(cfg.dynamics, resolve=True)}
    check_env_exists(settings)
    world = World(settings, cfg.seed + EVAL_SEED_OFFSET)
    champion = _champion(cfg, world)
    folder = RunFolder(run_dir)
    recorder = RunRecorder(folder)
    recorder.start("evolve", cfg.seed, cfg.device, strategy=str(cfg.evolve.strategy.value),
                   algo=cfg.algo.name,
                   env=cfg.env.name, env_id=cfg.env.id, dynamics=cfg.dynamics.name,
                   schedule=str(cfg.dynamics.get("_target_", "")).rsplit(".", 1)[-1].lower(),
                   evolve=OmegaConf.to_container(cfg.evolve, resolve=True))
    folder.checkpoints.mkdir(parents=True, exist_ok=True)
    if not cfg.evolve.champion:
        champion = _pretrain(cfg, champion, folder)
    random_return, best_return = _references(cfg, champion)
    deployment = Deployment(cfg, world, champion, folder.checkpoints, recorder.logger(offset_axis=True),
                            references=(random_return, best_return),
                            progress=show_progress_bar(cfg.progress_bar))

    def progress() -> dict:
        return results.summarise(world.log.episodes, deployment.alarms, world.log.steps_by_role,
                                 random_return, best_return)

    with recorder.ending(resumable=False, progress=progress):
        print(f"deploying v0 ({cfg.evolve.strategy.value}) for {cfg.evolve.steps} world steps")
        deployment.run(folder.root)
    episodes = world.log.episodes
    summary = progress()
    promotions = [{"step": d["step"], "version": v.id, "reason": d["reason"]}
                  for v in deployment.lineage.versions for d in v.decisions if d["decision"] == "promoted"]
    results.write_episodes(episodes, folder.root / "episodes.csv", random_return, best_return)
    results.plot(episodes, summary["changes"], deployment.alarms, promotions, folder.root / "deployment.png",
                 f"{cfg.env.id}, {cfg.dynamics.name}, strategy={cfg.evolve.strategy.value}, seed {cfg.seed}")
    recorder.finish(**summary, reference_returns={"random": random_return, "best": best_return},
                    promotions=promotions, adaptations=deployment.adaptations,
                    lineage_versions=len(deployment.lineage.versions), champion=deployment.lineage.champion,
                    timesteps=world.steps)
    world.close()
    print(f"run folder: {folder.root}")
    mean = summary["mean_normalised_return"]
    print(f"{len(episodes)} episodes, mean normalised return "
          f"{'n/a (no episode ended)' if mean is None else f'{mean:.3f}'}, "
          f"{len(deployment.alarms)} alarms, {len(promotions)} promotions, "
          f"{summary['training_steps']} training steps; lineage: rl-evolve-lineage {folder.root}")
    return summary["mean_normalised_return"]
