"""What a deployment does with its world steps: ``evolve.strategy`` picks one of these classes.

``static`` serves the champion and never changes it; ``oracle`` is told when the world changed
and fine-tunes then, without a gate; ``continual`` keeps learning from every step (plain
fine-tuning, no gate); ``evolve`` monitors, detects, adapts and promotes only through a gate.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.off_policy_algorithm import OffPolicyAlgorithm

from rl_evolve.agents.builder import load_agent, replay_variant
from rl_evolve.agents.layouts import optimizers
from rl_evolve.evolve import snapshot
from rl_evolve.evolve.candidates import StopAtBudget, agent_from, fine_tune, plain_transfer
from rl_evolve.evolve.imagination import imagination_from
from rl_evolve.evolve.loop import Deployment
from rl_evolve.evolve.shadow import Shadow, check_can_shadow
from rl_evolve.evolve.world import LEARNER
from rl_evolve.tracking.callbacks import DivergenceCallback


def moved(now: dict[str, float], then: dict[str, float], tolerance: float) -> bool:
    """Whether any parameter differs by more than ``tolerance`` (a fraction of its old value)."""
    return any(abs(now[k] - then[k]) > tolerance * max(abs(then[k]), 1e-12) for k in now)


class Static:
    """Serves the champion, episode after episode."""

    def run(self, deployment: Deployment, folder: Path) -> None:
        while deployment.world.steps < deployment.budget:
            self.step(deployment, folder)

    def step(self, deployment: Deployment, folder: Path) -> None:
        deployment.serve_one(folder)


class Evolve(Static):
    """Serves, and after every episode monitors and maybe adapts (``Deployment.adapt_if_needed``);
    with ``evolve.shadow`` a shadow learner, a copy of the champion, learns from every transition
    the world sees (``rl_evolve.evolve.shadow``) and is what gets gated."""

    def run(self, deployment: Deployment, folder: Path) -> None:
        d = deployment
        if d.ev.shadow and d.shadow is None:  # (a resumed deployment has its own)
            champion = d.members[0].model
            check_can_shadow(champion, d.cfg.algo.name)
            model, _ = agent_from(
                d.cfg,
                d.world,
                champion,
                "v0",
                plain_transfer(d.cfg),
                "shadow",
                d.seeds.agent(0),
                buffer_size=int(d.ev.shadow_buffer),
            )
            d.logger.offset = 0
            model.set_logger(d.logger)
            dyna = imagination_from(d.ev, model, d.seeds.agent(0))  # type: ignore[arg-type]
            d.shadow = Shadow(model, d.ev.shadow_updates, dyna)  # type: ignore[arg-type]
            d.world.observers.append(d.shadow.observe)
        super().run(deployment, folder)

    def step(self, deployment: Deployment, folder: Path) -> None:
        d = deployment
        taking_over = d.takeover is not None
        if d.shadow is not None and (
            taking_over or (d.ev.shadow_serves and d.world.learner_turn(float(d.ev.shadow_serves)))
        ):
            # the learner's own episode: part of the result, not the champion's (no detector sees it)
            played = d.world.play(d.shadow.model, 1, "learner", LEARNER, d.budget, deterministic=False)
            d.log_episodes()
            if taking_over and played:
                adaptations = len(d.adaptations)
                d.after_takeover_episode()
                d.save(folder)
                if len(d.adaptations) > adaptations:  # a takeover's check: a snapshot to resume from
                    snapshot.save(d)
        else:
            d.serve_one(folder, d.adapt_if_needed)
        if d.shadow is not None:
            d.gradient_steps += d.shadow.learn()


class Oracle(Static):
    """Told that the world changed: fine-tunes the champion then and deploys it, no gate."""

    def run(self, deployment: Deployment, folder: Path) -> None:
        self.last_change = dict(deployment.world.log.current_dynamics)
        super().run(deployment, folder)

    def step(self, deployment: Deployment, folder: Path) -> None:
        now = deployment.world.log.current_dynamics
        if not moved(now, self.last_change, deployment.ev.oracle_tolerance):
            deployment.serve_one(folder)
            return
        self.last_change = dict(now)
        self.adapt(deployment)
        deployment.save(folder)

    def adapt(self, d: Deployment) -> None:
        start, champion = d.world.steps, d.champion
        steps = min(d.ev.adapt_steps, d.budget - start)
        if steps <= 0:
            return
        source, index = d.members[champion].model, len(d.members)
        model = fine_tune(d.cfg, d.world, source, champion, index, steps, d.logger, d.seeds.agent(index))
        d.gradient_steps += int(getattr(model, "_n_updates", 0))
        version = d.add(model, champion, "oracle", [start, d.world.steps])
        d.log_episodes()
        d.promote(version, f"oracle: the world changed at step {start}", None)
        d.adaptations.append({"step": start, "champion": champion, "oracle": version})


class OracleLibrary(Oracle):
    """Told which context it is in: serves the version it trained there before (no training, no
    gate), and fine-tunes only in a context it has not met (the upper reference for reuse)."""

    def run(self, deployment: Deployment, folder: Path) -> None:
        self.library: list[tuple[dict[str, float], int]] = [(dict(deployment.world.log.current_dynamics), 0)]
        super().run(deployment, folder)

    def adapt(self, d: Deployment) -> None:
        now = dict(d.world.log.current_dynamics)
        known = [v for context, v in self.library if not moved(now, context, d.ev.oracle_tolerance)]
        if not known:
            super().adapt(d)
            if d.champion != self.library[-1][1]:
                self.library.append((now, d.champion))
            return
        if known[0] != d.champion:
            d.adaptations.append({"step": d.world.steps, "champion": d.champion, "oracle_library": known[0]})
            d.promote(known[0], f"oracle_library: back in the context of v{known[0]}", None)


class EveryStep(BaseCallback):
    """Calls ``fn()`` after every environment step of training."""

    def __init__(self, fn: Callable[[], None]):
        super().__init__()
        self.fn = fn

    def _on_step(self) -> bool:
        self.fn()
        return True


class Continual:
    """The deployed agent keeps learning from every step: plain fine-tuning, no gate. The agent
    it ends with is saved as a version (``checkpoints/v1.zip``, and ``last.zip``).

    Every ``evolve.snapshot_every`` episodes the learner (``checkpoints/continual.zip``, and its
    replay buffer for off-policy algorithms) is saved beside the deployment's snapshot, so that a
    killed deployment resumes with its weights, optimiser, replay and exploration schedule (SB3's
    ``learn`` goes on with ``reset_num_timesteps=False``). What resuming does not keep: an on-policy
    learner's rollout under way, the terminal transition of the snapshot's episode (SB3 stores it
    after the callbacks run) and the learner's own random stream, so the resumed run's later
    episodes differ from an unbroken one's."""

    LEARNER, REPLAY = "continual.zip", "continual_replay.pkl"

    def after_episodes(self, d: Deployment, model) -> None:
        d.log_new_episodes()

    def run(self, d: Deployment, folder: Path) -> None:
        resumed = d.resumed and (d.checkpoints / self.LEARNER).is_file()
        if resumed:
            model, callbacks = self._resumed_learner(d), [DivergenceCallback()]
        else:
            model, callbacks = agent_from(
                d.cfg, d.world, d.members[0].model, "v0", plain_transfer(d.cfg), "continual", d.seeds.agent(0)
            )
        d.logger.offset = 0
        model.set_logger(d.logger)
        d.world.acting("adapt", 0)
        log, stop = EveryStep(lambda: self._after_step(d, model)), StopAtBudget(d.world, d.budget)
        start = d.world.steps - model.num_timesteps  # every world step is one of its learning steps
        model.learn(
            d.budget - d.world.steps,
            callback=CallbackList([*callbacks, log, stop]),
            progress_bar=False,
            reset_num_timesteps=not resumed,
        )
        d.world.after_learning()
        d.gradient_steps += int(getattr(model, "_n_updates", 0))
        version = d.add(model, 0, "continual", [start, d.world.steps])
        d.lineage.decide(version, d.world.steps, "promoted", "continual: learnt from every step, no gate")

    def _after_step(self, d: Deployment, model: BaseAlgorithm) -> None:
        self.after_episodes(d, model)
        episodes = d.world.log.episodes
        ended = bool(episodes) and episodes[-1].end_step == d.world.steps  # at this very step
        if ended and len(episodes) % int(d.ev.snapshot_every) == 0 and d.world.steps < d.budget:
            # the VecEnv has reset the world: it is at the start of an episode, as a snapshot wants
            model.save(d.checkpoints / self.LEARNER)
            if isinstance(model, OffPolicyAlgorithm):
                model.save_replay_buffer(d.checkpoints / self.REPLAY)
            snapshot.save(d)

    def _resumed_learner(self, d: Deployment) -> BaseAlgorithm:
        """The learner as its last snapshot saved it, acting from the world's restored episode."""
        cls = replay_variant(d.cfg)[0]
        model = load_agent(cls, d.checkpoints / self.LEARNER, d.world.vec_env, str(d.cfg.device))
        if isinstance(model, OffPolicyAlgorithm):
            model.load_replay_buffer(d.checkpoints / self.REPLAY)
        # the world has started the snapshot's episode (World.restore): learn must not reset it
        # again, which would move a per-episode schedule's clock on by one
        model._last_obs = d.world._obs  # type: ignore[assignment]
        model._last_episode_starts = np.ones((1,), dtype=bool)
        if model._vec_normalize_env is not None:
            model._last_original_obs = model._vec_normalize_env.get_original_obs()
        return model


class ContinualRestart(Continual):
    """Always learns, as ``continual``; when the return detector alarms on its episodes, the
    optimisers' state is reset (Adam's moments, which a changed world makes stale) and learning
    goes on: detector-wrapped continual learning, the baseline a gate must beat."""

    def after_episodes(self, d: Deployment, model) -> None:
        for ep in d.log_new_episodes():
            if d.detectors["return"].update(ep.ret):
                d.record_alarm(ep, "return", ep.ret)
                for optimizer in optimizers(model).values():
                    optimizer.state.clear()
                d.adaptations.append(
                    {
                        "step": ep.end_step,
                        "champion": 0,
                        "trigger": "alarm",
                        "restart": "optimiser state reset",
                    }
                )


STRATEGIES = {
    "static": Static,
    "evolve": Evolve,
    "oracle": Oracle,
    "oracle_library": OracleLibrary,
    "continual": Continual,
    "continual_restart": ContinualRestart,
}
# what ``resume=`` continues from a snapshot (an oracle's fine-tuning runs between snapshots)
RESUMABLE = ("static", "evolve", "continual", "continual_restart")
