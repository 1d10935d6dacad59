"""``task=evolve``: a champion deployed in a world whose dynamics follow ``dynamics``, under
``evolve.strategy``; writes ``lineage.json``, ``episodes.csv``, ``deployment.png`` and the summary."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.logger import configure

from rl_evolve.agents import build_agent
from rl_evolve.env_factory import build_vec_env, check_env_exists, env_settings, normalize_kwargs, normalized
from rl_evolve.errors import ConfigError
from rl_evolve.evolve import results, snapshot
from rl_evolve.evolve.detectors import build_detector
from rl_evolve.evolve.loop import Deployment
from rl_evolve.evolve.shadow import check_can_shadow
from rl_evolve.evolve.strategies import RESUMABLE, STRATEGIES
from rl_evolve.evolve.world import World
from rl_evolve.runtime import show_progress_bar
from rl_evolve.scoring.normalise import random_policy_return
from rl_evolve.tasks.base import RLTask
from rl_evolve.tasks.resume import resume_config
from rl_evolve.tracking.callbacks import DivergenceCallback
from rl_evolve.tracking.run_folder import RunFolder
from rl_evolve.transfer import load_weights_into

NORMALIZATION = "vecnormalize.pkl"  # the champion's frozen statistics, kept in the run's checkpoints
REFERENCE_EPISODES = 20  # of a random policy and of the champion at home: the normalised scale
# the deployment's figures, logged once at its last world step: the HParams table's columns, so the
# strategies of a study compare in one table
FINAL_TAGS = (
    "evolve/normalised_return",
    "evolve/time_weighted_normalised_return",
    "evolve/training_steps",
    "evolve/promotions",
    "evolve/alarms",
)


def check_evolve(evolve: DictConfig) -> None:
    """Settings that cannot work fail before anything is built."""
    if not isinstance(evolve.detector, DictConfig):
        raise ConfigError(
            f"evolve.detector is a config group: evolve/detector={evolve.detector} "
            "(cusum, adwin or page_hinkley; its settings then as evolve.detector.<name>=...)"
        )
    build_detector(evolve.detector)
    for name in ("steps", "adapt_steps", "model_steps", "recent_steps"):
        if evolve[name] <= 0:
            raise ConfigError(f"evolve.{name} must be positive, got {evolve[name]}")
    if evolve.gate_episodes < 2:
        raise ConfigError(
            f"evolve.gate_episodes must be at least 2 (a test needs a spread), got {evolve.gate_episodes}"
        )
    if not 2 <= evolve.gate_min_rounds <= evolve.gate_episodes:
        raise ConfigError(
            f"evolve.gate_min_rounds must be in [2, evolve.gate_episodes="
            f"{evolve.gate_episodes}], got {evolve.gate_min_rounds}"
        )
    if not 0 < evolve.gate_alpha < 1:
        raise ConfigError(f"evolve.gate_alpha must be in (0, 1), got {evolve.gate_alpha}")
    if not 0 <= evolve.explore < 1:
        raise ConfigError(f"evolve.explore is a share of served steps in [0, 1), got {evolve.explore}")
    if not 0 <= evolve.shadow_serves <= 1:
        raise ConfigError(
            f"evolve.shadow_serves is a share of served episodes in [0, 1], got {evolve.shadow_serves}"
        )
    if evolve.shadow_serves and not evolve.shadow:
        raise ConfigError("evolve.shadow_serves lets the shadow learner play: set evolve.shadow=true with it")
    if evolve.shadow_takeover and not evolve.shadow:
        raise ConfigError(
            "evolve.shadow_takeover lets the shadow learner serve: set evolve.shadow=true with it"
        )
    if evolve.takeover_home is not None and not evolve.shadow_takeover:
        raise ConfigError(
            "evolve.takeover_home ends a shadow's takeover: set evolve.shadow_takeover=true with it"
        )
    if evolve.takeover_home is not None and evolve.takeover_home <= 0:
        raise ConfigError(f"evolve.takeover_home is a surprise level, positive; got {evolve.takeover_home}")
    if evolve.dyna_updates and not evolve.shadow:
        raise ConfigError("evolve.dyna_updates trains the shadow learner: set evolve.shadow=true with it")
    if evolve.dyna_updates < 0:
        raise ConfigError(
            f"evolve.dyna_updates is gradient steps per world step, >= 0; got {evolve.dyna_updates}"
        )
    for name in ("dyna_horizon", "dyna_starts", "dyna_every"):
        if evolve[name] < 1:
            raise ConfigError(f"evolve.{name} must be at least 1, got {evolve[name]}")
    if evolve.gate_every is not None and not evolve.shadow:
        raise ConfigError("evolve.gate_every gates the shadow learner: set evolve.shadow=true with it")
    if evolve.shadow and str(evolve.strategy.value) != "evolve":
        raise ConfigError(
            f"evolve.shadow=true is the evolve strategy's, not evolve.strategy={evolve.strategy.value}'s"
        )


class Evolve(RLTask):
    """Deploys, monitors and adapts; its score is the mean normalised return of every episode."""

    name = "evolve"
    resumable = True  # static, evolve and continual deployments, from their last snapshot

    def check(self) -> None:
        if self.resumed:
            self.cfg, self.folder = resume_config(self.cfg)
            strategy = str(self.cfg.evolve.strategy.value)
            if strategy not in RESUMABLE:
                raise ConfigError(
                    f"resume= continues {', '.join(RESUMABLE)} deployments; an {strategy} one "
                    f"is started again"
                )
            if self.folder.read_summary().get("status") == "completed":
                raise ConfigError(f"resume='{self.cfg.resume}' completed its deployment; nothing to continue")
            snapshot.load(self.folder.checkpoints)  # a missing or corrupt snapshot fails here, in one line
        super().check()
        check_evolve(self.cfg.evolve)
        champion = self.cfg.evolve.champion
        # a champion trained with normalize (VecNormalize) acts on observations scaled by the
        # statistics it was trained with: the deployed world applies them, frozen
        self.stats: Path | None = None
        if self.resumed and (self.folder.checkpoints / NORMALIZATION).is_file():
            self.stats = self.folder.checkpoints / NORMALIZATION
        elif champion and RunFolder(Path(champion)).last_normalization.is_file():
            self.stats = RunFolder(Path(champion)).last_normalization
        scaled = self.stats is not None or (not champion and normalize_kwargs(self.cfg))
        if self.cfg.evolve.dyna_updates and self.cfg.replay.name != "uniform":
            raise ConfigError(
                f"evolve.dyna_updates plans on a plain replay of imagined transitions: use it with "
                f"replay=uniform, not replay={self.cfg.replay.name}"
            )
        if scaled and self.cfg.evolve.shadow:
            raise ConfigError(
                "evolve.shadow=true with a champion trained with normalize (VecNormalize) is "
                "not supported yet: its replay would hold scaled observations"
            )
        self.settings = {
            **env_settings(self.cfg.env),
            "schedule": OmegaConf.to_container(self.cfg.dynamics, resolve=True),
        }
        check_env_exists(self.settings)

    def build(self) -> None:
        cfg = self.cfg
        self.world = World(self.settings, self.seeds.eval, explore=float(cfg.evolve.explore))
        self.champion = build_agent(cfg, self.world.vec_env)
        if cfg.evolve.shadow:
            check_can_shadow(self.champion, cfg.algo.name)
        if cfg.evolve.champion:
            load_weights_into(
                self.champion,
                cfg.evolve.champion,
                "evolve.champion",
                f"algo={cfg.algo.name} on env={cfg.env.name}",
            )
        self.deployment: Deployment | None = None
        self.references: tuple[float, float] | None = None
        self.home_spread = 0.0  # the std of the champion's returns at home (0: best_return was given)

    def identity(self) -> dict[str, Any]:
        cfg = self.cfg
        return {
            "strategy": str(cfg.evolve.strategy.value),
            "algo": cfg.algo.name,
            "env": cfg.env.name,
            "env_id": cfg.env.id,
            "dynamics": cfg.dynamics.name,
            "schedule": str(cfg.dynamics.get("_target_", "")).rsplit(".", 1)[-1].lower(),
            "evolve": OmegaConf.to_container(cfg.evolve, resolve=True),
        }

    def hparams(self) -> dict[str, Any]:
        evolve = self.cfg.evolve
        return {
            **super().hparams(),
            "evolve.strategy": str(evolve.strategy.value),
            "evolve.detector": str(evolve.detector.get("_target_", "")).rsplit(".", 1)[-1],
            "evolve.signal": str(evolve.signal.value),
            "evolve.steps": evolve.steps,
            "evolve.gate_episodes": evolve.gate_episodes,
            "evolve.gate_alpha": evolve.gate_alpha,
            "evolve.alpha_spending": evolve.alpha_spending,
            "evolve.shadow": evolve.shadow,
            "evolve.shadow_takeover": evolve.shadow_takeover,
            "evolve.takeover_home": -1.0 if evolve.takeover_home is None else evolve.takeover_home,
            "evolve.shadow_flush": evolve.shadow_flush,
            "evolve.shadow_buffer": evolve.shadow_buffer,
            "evolve.shadow_model_at_promotion": evolve.shadow_model_at_promotion,
            "evolve.dyna_updates": evolve.dyna_updates,
            "evolve.detector_clip": -1.0 if evolve.detector.get("clip") is None else evolve.detector.clip,
            "evolve.gate_test": str(evolve.gate_test.value),
            "evolve.gate_every": -1 if evolve.gate_every is None else evolve.gate_every,
            "evolve.explore": evolve.explore,
            "evolve.adapt_steps": evolve.adapt_steps,
            "evolve.improve_below": -1.0 if evolve.improve_below is None else evolve.improve_below,
        }

    def metric_tags(self) -> tuple[str, ...]:
        return FINAL_TAGS

    def _pretrain(self) -> None:
        """Trains the champion on the env's own dynamics (outside the deployment's budget); its
        curves go to ``tb/champion``, a TensorBoard run of their own beside the deployment's."""
        cfg = self.cfg
        home = build_vec_env(
            env_settings(cfg.env), cfg.n_envs, self.seeds.train, str(cfg.vec_env.value), cfg.torch_threads
        )
        norm = normalize_kwargs(cfg)
        if norm is not None:
            home = normalized(home, norm)
        trainee = build_agent(cfg, home)
        trainee.set_logger(configure(str(self.folder.tensorboard / "champion"), ["tensorboard"]))
        print(f"training the champion: {cfg.total_timesteps} steps of {cfg.algo.name} on {cfg.env.id}")
        try:
            trainee.learn(
                cfg.total_timesteps,
                callback=DivergenceCallback(),
                progress_bar=show_progress_bar(cfg.progress_bar),
            )
            if norm is not None:
                home.save(str(self.folder.checkpoints / NORMALIZATION))
                self.stats = self.folder.checkpoints / NORMALIZATION
        finally:
            trainee.logger.close()
            home.close()
        self.champion.policy.load_state_dict(trainee.policy.state_dict())

    def _references(self, champion: BaseAlgorithm) -> tuple[float, float]:
        """The normalised scale: a random policy's return and the champion's (or ``best_return``)
        on the env's own dynamics, in an env of their own; the spread of the champion's returns
        there is kept too (``home_spread``: how far below home its service is still noise)."""
        home = build_vec_env(env_settings(self.cfg.env), 1, self.seeds.reference)
        random_return = random_policy_return(home, REFERENCE_EPISODES, self.cfg.seed)
        best = self.cfg.evolve.best_return
        if best is None:
            if self.stats is not None:
                home = normalized(home, {}, self.stats, training=False)
            best, self.home_spread = evaluate_policy(
                champion,
                home,
                n_eval_episodes=REFERENCE_EPISODES,
                deterministic=self.cfg.evolve.deterministic,
            )
        home.close()
        if best <= random_return:
            raise ConfigError(
                f"the champion's return at home ({best:.1f}) is not above a random policy's "
                f"({random_return:.1f}); train it longer or set evolve.best_return"
            )
        return float(random_return), float(best)

    def work(self) -> None:
        cfg = self.cfg
        assert self.recorder is not None
        self.folder.checkpoints.mkdir(parents=True, exist_ok=True)
        if self.resumed:  # the champion it deployed, not a new one
            load_weights_into(
                self.champion,
                str(self.folder.checkpoints / "v0.zip"),
                "resume",
                f"algo={cfg.algo.name} on env={cfg.env.name}",
            )
        elif not cfg.evolve.champion:
            self._pretrain()
        if self.stats is not None:
            if self.stats != self.folder.checkpoints / NORMALIZATION:
                shutil.copyfile(self.stats, self.folder.checkpoints / NORMALIZATION)
            self.world.normalise(self.stats)
        self.references = self._references(self.champion)
        self.deployment = Deployment(
            cfg,
            self.world,
            self.champion,
            self.folder.checkpoints,
            self.recorder.logger(offset_axis=True),
            references=self.references,
            home_spread=float(self.home_spread),
            progress=show_progress_bar(cfg.progress_bar),
        )
        if self.resumed:
            self.deployment.resume()
        print(f"deploying v0 ({cfg.evolve.strategy.value}) for {cfg.evolve.steps} world steps")
        self.deployment.run(self.folder.root, STRATEGIES[str(cfg.evolve.strategy.value)]())

    def progress(self) -> dict[str, Any]:
        if self.references is None or self.deployment is None:
            return {}
        log = self.world.log
        return results.summarise(log.episodes, self.deployment.alarms, log.steps_by_role, *self.references)

    def results(self) -> dict[str, Any]:
        cfg, deployment, (random_return, best_return) = self.cfg, self.deployment, self.references
        assert deployment is not None
        episodes, summary = self.world.log.episodes, self.progress()
        promotions = [
            {"step": d["step"], "version": v.id, "reason": d["reason"]}
            for v in deployment.lineage.versions
            for d in v.decisions
            if d["decision"] == "promoted"
        ]
        results.write_episodes(
            episodes, self.folder.root / "episodes.csv", random_return, best_return, deployment.alarms
        )
        results.plot(
            episodes,
            summary["changes"],
            deployment.alarms,
            promotions,
            self.folder.root / "deployment.png",
            f"{cfg.env.id}, {cfg.dynamics.name}, strategy={cfg.evolve.strategy.value}, seed {cfg.seed}",
        )
        shadow = deployment.shadow
        self.summary = {
            **summary,
            "reference_returns": {
                "random": random_return,
                "best": best_return,
                "best_std": float(self.home_spread),
            },
            "explored_steps": self.world.explored_steps,
            "gate_tests": deployment.tests,
            "gradient_steps": deployment.gradient_steps,
            "shadow": None
            if shadow is None
            else {
                "transitions": shadow.transitions,
                "gradient_steps": shadow.updates,
                "flushes": shadow.flushes,
                "updates_per_step": shadow.updates_per_step,
                "dyna": None
                if shadow.imagination is None
                else {
                    "gradient_steps": shadow.imagination.updates,
                    "imagined_transitions": shadow.imagination.imagined,
                    "model_fits": shadow.imagination.fits,
                },
            },
            "promotions": promotions,
            "adaptations": deployment.adaptations,
            "lineage_versions": len(deployment.lineage.versions),
            "champion": deployment.lineage.champion,
            "timesteps": self.world.steps,
        }
        figures = (
            summary["mean_normalised_return"],
            summary["time_weighted_normalised_return"],
            summary["training_steps"],
            len(promotions),
            len(deployment.alarms),
        )
        finals = dict(zip(FINAL_TAGS, figures, strict=True))
        deployment.logger.offset = 0
        for tag, value in finals.items():
            if value is not None:
                deployment.logger.record(tag, float(value))
        deployment.logger.dump(self.world.steps)
        return self.summary

    def score(self) -> float | None:
        return self.summary["mean_normalised_return"]

    def report(self) -> None:
        s, mean = self.summary, self.summary["mean_normalised_return"]
        print(
            f"{len(self.world.log.episodes)} episodes, mean normalised return "
            f"{'n/a (no episode ended)' if mean is None else f'{mean:.3f}'}, "
            f"{len(self.deployment.alarms)} alarms, {len(s['promotions'])} promotions, "  # type: ignore[union-attr]
            f"{s['training_steps']} training steps; lineage: rl-evolve-lineage {self.folder.root}"
        )

    def close(self) -> None:
        if hasattr(self, "world"):
            self.world.close()
