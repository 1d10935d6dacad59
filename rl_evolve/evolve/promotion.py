"""The gate played in the world, and what a gate decides: champion and candidate take turns in
the world as it is (``Promotion._duel``, the statistics in ``rl_evolve.evolve.gate``), a
promotion is watched on probation, and a promotion that falls is rolled back only through a gate
of its own. A part of ``Deployment`` (``rl_evolve.evolve.loop``), whose state it reads."""

from __future__ import annotations

import numpy as np

from rl_evolve.evolve.gate import Duel, one_sided_p, sequential_gate, spent_alpha
from rl_evolve.evolve.world import Episode


class Promotion:
    """Gating, promotion, probation and roll-back of a ``Deployment`` (a base of it: the
    methods read and change the deployment's state)."""

    def _gate_episode(self, version: int) -> Episode | None:
        """One episode of ``version`` in the world as it is, as part of a gate (role ``gate``);
        None when the budget ran out first."""
        eps = self.world.play(
            self.members[version].model, 1, "gate", version, self.budget, self.ev.deterministic
        )
        return eps[0] if eps else None

    def _record_scores(self, scored: dict[int, list[float]]) -> None:
        self.log_episodes()
        for version, got in scored.items():
            if got:
                self.lineage.score(version, self.world.steps, float(np.mean(got)), len(got))

    def _scores(self, version: int) -> list[float]:
        """``version``'s returns now, over ``gate_episodes`` episodes of its own (the champion's,
        when no reuse gate measured them)."""
        played = [self._gate_episode(version) for _ in range(self.ev.gate_episodes)]
        returns = [ep.ret for ep in played if ep is not None]
        self._record_scores({version: returns})
        return returns

    def _duel(self, champion: int, candidate: int, alpha: float, new: bool = False) -> Duel:
        """The gate: champion and candidate take turns, an episode each (a world that moves on
        meanwhile is the same for both), until the sequential test stops (``gate_sequential``) or
        ``gate_episodes`` rounds are played."""

        paired = str(self.ev.gate_test.value) == "paired"

        def one_round() -> tuple[float, float] | None:
            self.world.log.repeat_start = paired  # the candidate starts where the champion started
            first = self._gate_episode(champion)
            self.world.log.repeat_start = False
            second = self._gate_episode(candidate)
            return (first.ret, second.ret) if first is not None and second is not None else None

        rounds = int(self.ev.gate_episodes)
        first = int(self.ev.gate_min_rounds) if self.ev.gate_sequential else rounds
        # a new version (shadow, challenger) made for a world the surprise says is moving needs only
        # to be no worse than the champion by gate_margin of the normalised scale
        margin = 0.0
        if new and self.moving and self.ev.gate_margin and self.references is not None:
            margin = float(self.ev.gate_margin) * (self.references[1] - self.references[0])
        duel = sequential_gate(
            one_round,
            rounds,
            alpha,
            str(self.ev.gate_test.value),
            min_rounds=first,
            seed=self.cfg.seed,
            margin=margin,
        )
        self._record_scores({champion: duel.champion, candidate: duel.candidate})
        return duel

    @property
    def _unpaired_test(self) -> str:
        """The gate's test for two samples that are not rounds of a duel (probation, degradation,
        a takeover's screen): Welch's in place of the paired test, whose pairs they would not be."""
        test = str(self.ev.gate_test.value)
        return "welch" if test == "paired" else test

    def _alpha(self, tests_at_once: int = 1) -> float:
        """The level of the next gate test: its share of the run's family-wise ``gate_alpha``
        (``alpha_spending``), or ``gate_alpha`` split over the tests of one alarm."""
        if not self.ev.alpha_spending:
            return self.ev.gate_alpha / tests_at_once
        self.tests += 1
        return spent_alpha(self.ev.gate_alpha, self.tests)

    def _check_probation(self, ep: Episode) -> bool:
        """A promoted version whose service returns fall below its gate returns is tested against
        the champion it replaced, in the world as it is now; that one comes back only if it is
        measurably better there (roll-back is a gate too). True when it came back."""
        if self._probation is None or ep.version != self._probation["version"]:
            return False
        served = self._probation["served"]
        served.append(ep.ret)
        if len(served) < self.ev.gate_episodes:
            return False
        version, previous, at_gate = (self._probation[k] for k in ("version", "previous", "gate"))
        self._probation = None
        p = one_sided_p(at_gate, served, self._unpaired_test, seed=self.cfg.seed)
        if p >= self.ev.gate_alpha:
            return False
        fell = f"in service {np.mean(served):.1f} below its gate score {np.mean(at_gate):.1f} (p={p:.3g})"
        duel = self._duel(version, previous, self._alpha())
        if not duel.candidate:
            return False
        decision = duel.decision
        if not decision.promote:
            self.lineage.decide(
                version, self.world.steps, "kept", f"{fell}; v{previous} is not better now: {decision.reason}"
            )
            print(f"[step {self.world.steps}] v{version} kept: v{previous} not better now")
            return False
        reason = f"{fell}; v{previous} {decision.reason}"
        self.lineage.decide(version, self.world.steps, "rolled_back", reason, back_to=previous)
        self.service_start[previous] = self.world.steps
        self._restart_detectors()
        self._mark("evolve/rollback")
        self._mark("evolve/version", previous)
        print(f"[step {self.world.steps}] v{version} rolled back to v{previous}: {reason}")
        return True

    def promote(self, version: int, reason: str, gate_returns: list[float] | None) -> None:
        previous = self.champion
        self.lineage.decide(version, self.world.steps, "promoted", reason)
        self.service_start[version] = self.world.steps
        if gate_returns:
            self._probation = {"version": version, "previous": previous, "gate": gate_returns, "served": []}
        self._mark("evolve/promotion")
        self._mark("evolve/version", version)
        print(f"[step {self.world.steps}] v{version} promoted over v{previous}: {reason}")
