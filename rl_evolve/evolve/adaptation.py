"""What an adaptation tries, in order: an earlier version the recent world's evidence favours
(reuse, no training), then a frozen copy of the shadow learner, or (no shadow) a challenger
fine-tuned in the world when the champion's return has measurably fallen; each through a gate.
A part of ``Deployment`` (``rl_evolve.evolve.loop``), whose state it reads."""

from __future__ import annotations

from typing import Any

import numpy as np

from rl_evolve.evolve.candidates import challenger_source, fine_tune, frozen_copy, rank_by_evidence
from rl_evolve.evolve.gate import gate, one_sided_p
from rl_evolve.evolve.promotion import Promotion
from rl_evolve.evolve.world import LEARNER


class Adaptation(Promotion):
    """Reuse, the shadow's gate and the fine-tuned challenger of a ``Deployment``."""

    def _reuse(self, champion: int, record: dict[str, Any]) -> tuple[bool, list[float] | None]:
        """Gates the earlier version with the strongest model evidence for the recent world, if
        it has enough (``reuse_evidence``); returns (promoted, the champion's gate returns)."""
        recent = self.world.log.transitions(last=self.ev.recent_steps)
        ranked = rank_by_evidence(self.members, recent, champion)
        record["ranking"] = [{"version": v, "evidence": e} for e, v in ranked]
        reuse = [v for e, v in ranked if e >= self.ev.reuse_evidence][:1]
        if not reuse:
            return False, None
        duel = self._duel(champion, reuse[0], self._alpha(tests_at_once=2))
        if not duel.candidate:
            return False, duel.champion
        decision = duel.decision
        record["reuse"] = {"version": reuse[0], **decision.as_dict(), "stopped": duel.stopped}
        if decision.promote:
            self.promote(reuse[0], f"reuse: {decision.reason}", duel.candidate)
            return True, duel.champion
        self.lineage.decide(reuse[0], self.world.steps, "rejected", f"reuse: {decision.reason}")
        return False, duel.champion

    def _adapt(self, trigger: str = "alarm") -> None:
        """An earlier version whose dynamics model explains the recent world better than the
        champion's own is gated first (reuse, no training); if that fails, a copy of the shadow
        learner is gated, or (no shadow) if the champion's return has measurably fallen, a
        challenger is fine-tuned in the world and gated."""
        record: dict[str, Any] = {"step": self.world.steps, "champion": self.champion, "trigger": trigger}
        self._served_since_gate = 0
        champion = self.champion
        promoted, champion_returns = self._reuse(champion, record)
        if promoted:
            self.adaptations.append(record)
            return
        if self.shadow is not None:
            served = self._last_served(int(self.ev.gate_episodes), after=self.service_start[champion])
            if self._takes_over(served):  # its service already shows it: no gate to learn that
                self._take_over(champion, served, record)
            else:
                self._gate_shadow(champion, record)
            self.adaptations.append(record)
            return
        if champion_returns is None:
            champion_returns = self._scores(champion)
        if not self._degraded(champion, champion_returns, record) or self.world.steps >= self.budget:
            self.adaptations.append(record)
            return
        start = self.world.steps
        steps = min(self.ev.adapt_steps, self.budget - start)
        source = challenger_source(
            self.lineage, champion, self.service_start[champion], str(self.ev.challenger_from.value)
        )
        index = len(self.members)
        model = fine_tune(
            self.cfg,
            self.world,
            self.members[source].model,
            source,
            index,
            steps,
            self.logger,
            self.seeds.agent(index),
        )
        self.gradient_steps += int(getattr(model, "_n_updates", 0))
        version = self.add(model, source, "challenger", [start, self.world.steps])
        self._fit_monitor(version, start)
        duel = self._duel(
            champion, version, self._alpha(tests_at_once=2 if "reuse" in record else 1), new=True
        )
        if not duel.candidate:
            self.adaptations.append(record)
            return
        decision = duel.decision
        record["challenger"] = {
            "version": version,
            "from": source,
            **decision.as_dict(),
            "stopped": duel.stopped,
        }
        if decision.promote:
            self.promote(version, f"challenger: {decision.reason}", duel.candidate)
        else:
            self.lineage.decide(version, self.world.steps, "rejected", f"challenger: {decision.reason}")
        self.adaptations.append(record)

    def _gate_shadow(self, champion: int, record: dict[str, Any]) -> None:
        """A frozen copy of the shadow learner, as it is now, becomes a version and is gated."""
        assert self.shadow is not None
        if self.shadow.updates == 0 or self.world.steps >= self.budget:
            why = "no gradient step yet" if self.shadow.updates == 0 else "budget spent"
            record["shadow"] = {"skipped": why}
            return
        start = self.shadow_since
        index = len(self.members)
        copy = frozen_copy(self.cfg, self.world, self.shadow.model, "shadow", self.seeds.agent(index))
        version = self.add(copy, champion, "shadow", [start, self.world.steps])
        self.shadow_since = self.world.steps
        duel = self._duel(
            champion, version, self._alpha(tests_at_once=2 if "reuse" in record else 1), new=True
        )
        if not duel.candidate:
            return
        decision = duel.decision
        record["shadow"] = {
            "version": version,
            "updates": self.shadow.updates,
            **decision.as_dict(),
            "stopped": duel.stopped,
        }
        if decision.promote:
            if self.ev.shadow_model_at_promotion:  # its model: the world it was gated in, at once
                self._fit_monitor(version, start)
            self.promote(version, f"shadow: {decision.reason}", duel.candidate)
            return
        self.lineage.decide(version, self.world.steps, "rejected", f"shadow: {decision.reason}")
        if self._takes_over(duel.champion):
            self._take_over(champion, duel.champion, record)

    def _takes_over(self, champion_returns: list[float]) -> bool:
        """``shadow_takeover``: whether these returns of the champion (at least
        ``gate_min_rounds`` of them) are below its home level, so the shadow learner should serve."""
        return bool(
            self.ev.shadow_takeover
            and self.references is not None
            and len(champion_returns) >= self.ev.gate_min_rounds
            and self._below_home(champion_returns)
        )

    def _take_over(self, champion: int, champion_returns: list[float], record: dict[str, Any]) -> None:
        """``shadow_takeover``: the champion serves (or was gated) below its home level, so the
        shadow learner serves, learning from its own actions, as continual would."""
        self.takeover = {"since": self.world.steps, "champion": champion, "returns": list(champion_returns)}
        record["takeover"] = {"step": self.world.steps, "champion_mean": float(np.mean(champion_returns))}
        self._mark("evolve/takeover")
        print(f"[step {self.world.steps}] the shadow learner takes service from v{champion}")

    def after_takeover_episode(self) -> None:
        """After each of the learner's episodes in a takeover: every ``gate_episodes`` of them, if
        its last ``gate_episodes`` returns are above the champion's gate returns (the gate's unpaired
        test at ``gate_alpha``: a screen that spends no alpha), a frozen copy of the learner is
        gated against the champion in the world as it is now, as any shadow copy is; promoted,
        it serves (on probation) and the takeover ends. After ``adapt_steps`` world steps the
        champion serves again; with ``takeover_home``, also when its dynamics model finds the world
        its home again and a gate then shows it better than the learner there (``_home_gate``)."""
        t = self.takeover
        assert t is not None and self.shadow is not None
        n = int(self.ev.gate_episodes)
        own = self._last_served(None, after=t["since"], version=LEARNER, role="learner")
        record: dict[str, Any] = {"step": self.world.steps, "champion": t["champion"], "trigger": "takeover"}
        if own and len(own) % n == 0:
            screen = gate(own[-n:], t["returns"], self.ev.gate_alpha, self._unpaired_test, self.cfg.seed)
            record["screen"] = screen.as_dict()
            if screen.promote:
                # promoted: the copy serves; rejected with the champion still below home: a new
                # takeover (against this gate's champion returns); else the champion serves again
                self._gate_shadow(t["champion"], record)
                if self.takeover is t:
                    self.takeover = None
                    self._served_since_gate = 0
                    if self.champion != t["champion"]:
                        self._restart_detectors()
        if self.takeover is t and self._back_home(t) and self._home_gate(t, record):
            self.takeover = None
            self._served_since_gate = 0
            record["takeover_ended"] = "home"
            print(
                f"[step {self.world.steps}] v{t['champion']} serves again: home, and better than the learner"
            )
        if self.takeover is t and self.world.steps - t["since"] >= self.ev.adapt_steps:
            self.takeover = None
            self._served_since_gate = 0
            record["takeover_ended"] = "adapt_steps"
            print(f"[step {self.world.steps}] v{t['champion']} serves again: the takeover ran adapt_steps")
        if "screen" in record or "home" in record or "takeover_ended" in record:
            self.adaptations.append(record)

    def _home_gate(self, t: dict[str, Any], record: dict[str, Any]) -> bool:
        """``takeover_home``: the world looks like the champion's home again, so the champion and a
        frozen copy of the learner take turns in the world as it is, and the champion serves again
        only if measurably better there (handing service back is a gate too, the run's next test
        of its alpha). Whether it does; another look needs ``gate_min_rounds`` more home-looking
        learner episodes."""
        assert self.shadow is not None
        t["surprise"] = []
        if self.world.steps >= self.budget:
            return False
        champion, index = t["champion"], len(self.members)
        copy = frozen_copy(self.cfg, self.world, self.shadow.model, "shadow", self.seeds.agent(index))
        version = self.add(copy, champion, "shadow", [self.shadow_since, self.world.steps])
        self.shadow_since = self.world.steps
        duel = self._duel(version, champion, self._alpha())
        if not duel.candidate:
            return False
        decision = duel.decision
        scores = decision.as_dict()
        record["home"] = {
            "version": version,
            "champion": champion,
            # the duel's incumbent is the learner's copy and its candidate the champion: the
            # means are named here by who played them
            "learner_mean": scores.pop("champion_mean"),
            "champion_mean": scores.pop("candidate_mean"),
            **scores,
            "stopped": duel.stopped,
        }
        outcome = "serves again" if decision.promote else "not better: the learner keeps service"
        self.lineage.decide(
            version, self.world.steps, "rejected", f"home gate: v{champion} {outcome} ({decision.reason})"
        )
        return decision.promote

    def _back_home(self, t: dict[str, Any]) -> bool:
        """``takeover_home``: whether the champion's dynamics model explains each of the
        learner's last ``gate_min_rounds`` episodes within ``takeover_home`` times its validation
        error: the world is again the one the champion was good in, so it serves again."""
        monitor = self.members[t["champion"]].monitor
        ep = self.world.log.episodes[-1]
        if self.ev.takeover_home is None or monitor is None or ep.role != "learner":
            return False
        surprise = monitor.surprise(self.world.log.transitions(since_step=ep.end_step - ep.length))
        self._mark("evolve/takeover_surprise", surprise)
        recent = t.setdefault("surprise", [])
        recent.append(surprise)
        k = int(self.ev.gate_min_rounds)
        return len(recent) >= k and max(recent[-k:]) < self.ev.takeover_home

    def _degraded(self, version: int, now: list[float], record: dict[str, Any]) -> bool:
        """Whether ``version`` now returns measurably less than in its first served episodes, or
        (``improve_below``) its gate returns are below the level; a world that surprises the
        model but not the policy is no reason to train."""
        if self.ev.improve_below is not None and self.references is not None and now:
            level = self._normalised(now)
            record["champion_level"] = {"normalised": level, "below": level < self.ev.improve_below}
            if level < self.ev.improve_below:
                return True
        served = [
            e.ret
            for e in self.world.log.episodes
            if e.version == version and e.role == "serve" and e.end_step > self.service_start[version]
        ][: self.ev.gate_episodes]
        if len(served) < 2:
            return True
        p = one_sided_p(served, now, self._unpaired_test, seed=self.cfg.seed)
        record["champion_degraded"] = {
            "first_served_mean": float(np.mean(served)),
            "now_mean": float(np.mean(now)),
            "p_value": p,
            "degraded": p < self.ev.gate_alpha,
        }
        return p < self.ev.gate_alpha
