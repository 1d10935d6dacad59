"""The deployment: monitor -> detect -> adapt -> gate -> deploy -> record, episode after episode;
what a strategy does with its world steps is its own (``rl_evolve.evolve.strategies``).

Every strategy spends the same world steps (``evolve.steps``): serving, gating and fine-tuning
all act in the one world whose dynamics follow the schedule, so the schedule's clock runs on
for all of them, and every finished episode, whoever played it, is part of the result.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig
from stable_baselines3.common.base_class import BaseAlgorithm
from tqdm.auto import tqdm

from rl_evolve.core.seeds import Seeds
from rl_evolve.evolve import snapshot
from rl_evolve.evolve.adaptation import Adaptation
from rl_evolve.evolve.candidates import VersionState, load_version
from rl_evolve.evolve.detectors import Detector, build_detector
from rl_evolve.evolve.lineage import Lineage
from rl_evolve.evolve.monitor import SurpriseMonitor
from rl_evolve.evolve.shadow import Shadow
from rl_evolve.evolve.world import Episode, World
from rl_evolve.scoring.normalise import normalise
from rl_evolve.tracking.step_axis import StepOffsetLogger


class Deployment(Adaptation):
    """One deployed agent's life in a changing world, under ``cfg.evolve.strategy``."""

    def __init__(
        self,
        cfg: DictConfig,
        world: World,
        champion: BaseAlgorithm,
        checkpoints: Path,
        logger: StepOffsetLogger,
        progress: bool = False,
        references: tuple[float, float] | None = None,
        home_spread: float = 0.0,
    ):
        self.cfg, self.ev, self.world, self.logger = cfg, cfg.evolve, world, logger
        self.references = references  # the normalised scale's random and best returns
        self.home_spread = home_spread  # the std of the champion's returns at home
        self.budget = int(self.ev.steps)
        self.progress = tqdm(total=self.budget, desc="world steps", unit="step", disable=not progress)
        self.checkpoints = checkpoints
        self.lineage = Lineage()
        self.members: dict[int, VersionState] = {}
        self.service_start: dict[int, int] = {}
        self.add(champion, None, "initial", None)
        self.service_start[0] = 0
        self.detectors: dict[str, Detector] = {
            "return": build_detector(self.ev.detector, "down"),
            "surprise": build_detector(self.ev.detector, "up"),
            "estimate": build_detector(self.ev.detector, "both"),
        }
        self.alarms: list[dict[str, Any]] = []
        self.adaptations: list[dict[str, Any]] = []
        self._logged = 0
        self._probation: dict[str, Any] | None = None  # a promotion still proving its gate score
        self.seeds = Seeds(int(cfg.seed))
        self.tests = 0  # gate tests so far: the alpha spent on the next one
        self.served = 0  # episodes served (snapshots are taken every snapshot_every of them)
        self.gradient_steps = 0  # of every agent that learnt (challengers, continual's, the shadow's)
        self.shadow: Shadow | None = None  # evolve.shadow: set by the strategy
        self._served_since_gate = 0
        self.moving = False  # a surprise alarm since the policy in service took over
        self.shadow_since = 0  # the world step the shadow's last gated copy was taken
        self.takeover: dict[str, Any] | None = None  # evolve.shadow_takeover: the shadow learner serving
        self.resumed = False  # continued from a snapshot (``resume``)

    # --- bookkeeping -------------------------------------------------------------------------
    @property
    def champion(self) -> int:
        return int(self.lineage.champion)  # type: ignore[arg-type]

    def add(self, model: BaseAlgorithm, parent: int | None, origin: str, window: list[int] | None) -> int:
        name = f"v{len(self.lineage.versions)}.zip"
        version = self.lineage.add(parent, origin, self.world.steps, f"checkpoints/{name}", window)
        model.save(self.checkpoints / name)
        self.members[version.id] = VersionState(model)
        return version.id

    def log_episodes(self) -> None:
        """New episodes of the world to TensorBoard, on the world-steps axis; the progress bar."""
        self.logger.offset = 0
        self.progress.update(self.world.steps - self.progress.n)
        for ep in self.world.log.episodes[self._logged :]:
            self.logger.record("evolve/return_in_service", ep.ret)
            if self.references is not None:
                self.logger.record("evolve/normalised_return_in_service", self._normalised([ep.ret]))
            self.logger.record("evolve/version", ep.version)
            for name, value in ep.dynamics.items():  # where the world changed, beside the returns
                self.logger.record(f"dynamics/{name}", value)
            self.logger.dump(ep.end_step)
        self._logged = len(self.world.log.episodes)

    def log_new_episodes(self) -> list[Episode]:
        """Logs the episodes finished since the last call, and returns them."""
        new = self.world.log.episodes[self._logged :]
        if new:
            self.log_episodes()
        return new

    def _mark(self, tag: str, value: float = 1.0) -> None:
        self.logger.offset = 0
        self.logger.record(tag, value)
        self.logger.dump(self.world.steps)

    def save(self, folder: Path) -> None:
        self.lineage.save(folder / "lineage.json")

    def save_champion(self) -> None:
        """The version serving at the end, as ``checkpoints/last.zip``: a later run (another
        deployment's ``evolve.champion``, ``source=``) starts from it by the run folder."""
        self.members[self.champion].model.save(self.checkpoints / "last.zip")

    def _fit_monitor(self, version: int, since: int) -> None:
        monitor = SurpriseMonitor(
            self.world.vec_env.action_space,
            hidden=self.ev.model_hidden,
            epochs=self.ev.model_epochs,
            seed=self.cfg.seed + version,
        )
        monitor.fit(self.world.log.transitions(since_step=since, last=self.ev.model_steps))
        self.members[version].monitor = monitor
        self.members[version].fitted_until = self.world.steps  # surprise is scored on later steps only
        monitor.save(self.checkpoints / f"v{version}.dynamics.pt")  # beside its policy: reuse can be replayed

    # --- acting ------------------------------------------------------------------------------
    def _serve(self) -> Episode | None:
        eps = self.world.play(
            self.members[self.champion].model, 1, "serve", self.champion, self.budget, self.ev.deterministic
        )
        self.log_episodes()
        return eps[0] if eps else None

    # --- the strategy's run ------------------------------------------------------------------
    def run(self, folder: Path, strategy: Any) -> None:
        """Spends the budget as ``strategy`` does (``rl_evolve.evolve.strategies``)."""
        strategy.run(self, folder)
        self.log_episodes()
        self.save(folder)
        self.save_champion()
        self.progress.close()

    def serve_one(self, folder: Path, after: Callable[[Episode], None] | None = None) -> None:
        """One served episode (``after`` sees it, then the lineage is saved); a snapshot to
        resume from after every adaptation and every ``snapshot_every`` served episodes."""
        adaptations = len(self.adaptations)
        ep = self._serve()
        if ep is None:
            return
        if after is not None:
            after(ep)
            self.save(folder)
        self.served += 1
        if len(self.adaptations) > adaptations or self.served % int(self.ev.snapshot_every) == 0:
            snapshot.save(self)

    def resume(self) -> None:
        """Continues a deployment from its last snapshot (``rl_evolve.evolve.snapshot``): every
        version of its lineage then, their dynamics models, the shadow learner with its replay."""
        from rl_evolve.agents.builder import load_agent, replay_variant

        state = snapshot.load(self.checkpoints)
        for version in state["deployment"]["lineage"].versions[1:]:
            checkpoint = self.checkpoints / f"v{version.id}.zip"
            model = load_version(self.cfg, self.world, checkpoint, self.seeds.agent(version.id))
            self.members[version.id] = VersionState(model)
        for version, member in self.members.items():
            dynamics = self.checkpoints / f"v{version}.dynamics.pt"
            if dynamics.is_file():
                member.monitor = SurpriseMonitor.load(dynamics, self.world.vec_env.action_space)
        if state["shadow"] is not None:
            model = load_agent(
                replay_variant(self.cfg)[0],
                self.checkpoints / "shadow.zip",
                self.world.vec_env,
                str(self.cfg.device),
            )
            model.load_replay_buffer(self.checkpoints / "shadow_replay.pkl")
            self.logger.offset = 0
            model.set_logger(self.logger)
            self.shadow = Shadow(model, self.ev.shadow_updates)  # type: ignore[arg-type]
            for key, value in state["shadow"].items():
                setattr(self.shadow, key, value)
            self.world.observers.append(self.shadow.observe)
        snapshot.restore(self, state)
        self.resumed = True
        print(
            f"resumed at world step {self.world.steps} ({len(self.world.log.episodes)} episodes, "
            f"{len(self.lineage.versions)} versions)"
        )

    def adapt_if_needed(self, ep: Episode) -> None:
        """An alarm, a level too low (``improve_below``) or the shadow's cadence (``gate_every``)
        starts an adaptation; a new policy in service restarts the detectors (a new reference)."""
        self._served_since_gate += 1
        alarm = self._monitor(ep)
        cadence = (
            self.shadow is not None
            and self.ev.gate_every is not None
            and self._served_since_gate >= self.ev.gate_every
            and self._serving_below_home()
        )
        trigger = (
            "alarm" if alarm else "below_level" if self._below_level() else "cadence" if cadence else None
        )
        if trigger:
            before = self.champion
            self._adapt(trigger)
            if self.champion != before:
                self._restart_detectors()

    def _monitor(self, ep: Episode) -> bool:
        """Feeds the episode's signals to the detectors; True on an alarm that asks to adapt. A
        promotion on probation is judged first: an episode of a version just rolled back is not
        the restored champion's to warm its detectors with."""
        if self._check_probation(ep):
            return False
        champion = self.members[self.champion]
        start = self.service_start[self.champion]
        if champion.monitor is None and self.world.steps - start >= self.ev.model_steps:
            self._fit_monitor(self.champion, start)
        signals = {"return": ep.ret}
        if champion.monitor is not None and ep.end_step - ep.length >= champion.fitted_until:
            episode = self.world.log.transitions(since_step=ep.end_step - ep.length)
            surprise = champion.monitor.surprise(episode)
            signals["surprise"] = surprise
            self._mark("evolve/model_surprise", surprise)
        if ep.estimate is not None:  # env.observe_estimated: the identifier's reading of the physics
            signals["estimate"] = ep.estimate
            self._mark("evolve/estimated_context", ep.estimate)
        wanted = self.ev.signal
        alarm = False
        for name, value in signals.items():
            if self.detectors[name].update(value):
                self.record_alarm(ep, name, value)
                alarm = alarm or wanted in ("either", name)
                if name == "surprise":
                    self.moving = True
                    if self.shadow is not None and self.ev.shadow_flush:
                        self.shadow.flush(keep=self.ev.recent_steps)
        return alarm

    def record_alarm(self, ep: Episode, signal: str, value: float) -> None:
        """An alarm after ``ep``: kept in the summary, marked in TensorBoard, printed."""
        self.alarms.append({"step": ep.end_step, "episode": ep.index, "signal": signal, "value": value})
        self._mark("evolve/alarm")
        print(f"[step {ep.end_step}] alarm: {signal} = {value:.3g}")

    def _normalised(self, returns: list[float]) -> float:
        return normalise(float(np.mean(returns)), *self.references, clip=False)  # type: ignore[misc]

    def _last_served(
        self, n: int | None, after: int = -1, version: int | None = None, role: str = "serve"
    ) -> list[float]:
        """The returns of the last ``n`` (None: all) episodes ``version`` (None: the champion)
        played in ``role`` that ended after world step ``after``, oldest first; read from the
        newest back (this runs after every episode)."""
        version = self.champion if version is None else version
        found: list[float] = []
        for e in reversed(self.world.log.episodes):
            if len(found) == n or e.end_step <= after:
                break
            if e.version == version and e.role == role:
                found.append(e.ret)
        return found[::-1]

    def _below_level(self) -> bool:
        """``improve_below``: the champion's last ``gate_episodes`` served episodes (since it took
        service, and since its last adaptation) average below the level."""
        if self.ev.improve_below is None or self.references is None:
            return False
        since = max([self.service_start[self.champion], *(a["step"] for a in self.adaptations)])
        served = self._last_served(int(self.ev.gate_episodes), after=since)
        if len(served) < self.ev.gate_episodes:
            return False
        level = self._normalised(served)
        if level >= self.ev.improve_below:
            return False
        print(
            f"[step {self.world.steps}] v{self.champion} below the level: normalised "
            f"{level:.2f} < {self.ev.improve_below}"
        )
        return True

    def _serving_below_home(self) -> bool:
        """Whether the champion's last ``gate_every`` served episodes average below the level
        (``improve_below``; else its own score at home, 1, less two standard errors of a mean of
        that many episodes at home: a champion of noisy returns is below its mean half the time),
        so a shadow could be better: a champion serving as well as at home is not gated on the
        cadence (each gate spends alpha)."""
        return self._below_home(self._last_served(int(self.ev.gate_every)))

    def _below_home(self, served: list[float]) -> bool:
        """Whether the champion's returns ``served`` average below ``improve_below``, or (None)
        below its home score less two standard errors of a mean of that many episodes at home
        (True when there is no normalised scale to judge by)."""
        if self.references is None:
            return True
        if not served:
            return False
        if self.ev.improve_below is not None:
            level = float(self.ev.improve_below)
        else:
            scale = self.references[1] - self.references[0]
            level = 1.0 - 2.0 * self.home_spread / scale / np.sqrt(len(served))
        return bool(self._normalised(served) < level)

    def _restart_detectors(self) -> None:
        for detector in self.detectors.values():
            detector.reset()
        self.moving = False  # the new policy's world has not been seen to move yet
