"""The promotion gate: a candidate replaces the champion only when measurably better.

Both are scored on fresh episodes of the current world; the candidate is promoted when a
one-sided test rejects "no better than the champion" at ``alpha``: Welch's t-test (unequal
variances, the default) or a bootstrap of the difference of means.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from math import comb, pi
from typing import Any

import numpy as np

from rl_evolve.config.schema import GateTest
from rl_evolve.errors import invalid_choice

TESTS = tuple(t.value for t in GateTest)  # the schema's choices, for gates called in Python


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    p_value: float
    candidate_mean: float
    champion_mean: float
    test: str
    alpha: float
    margin: float = 0.0  # > 0: non-inferiority, "no worse than the champion by more than this"

    @property
    def reason(self) -> str:
        shown = "not worse by more than" if self.margin else "better"
        verdict = shown if self.promote else f"not shown {shown}"
        within = f" {self.margin:.1f}" if self.margin else ""
        return (
            f"{verdict}{within}: {self.candidate_mean:.1f} vs {self.champion_mean:.1f}, "
            f"one-sided {self.test} p={self.p_value:.3g} (alpha {self.alpha})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reason": self.reason}


def one_sided_p(
    candidate: Sequence[float],
    champion: Sequence[float],
    test: str = "welch",
    rounds: int = 10_000,
    seed: int = 0,
) -> float:
    """p-value of "the candidate's mean return is no higher than the champion's"."""
    a, b = np.asarray(candidate, dtype=float), np.asarray(champion, dtype=float)
    if test not in TESTS:
        raise invalid_choice("gate test", test, TESTS)
    if len(a) == 0 or len(b) == 0:
        return 1.0
    if test == "paired" and len(a) == len(b):
        return paired_p(a - b)
    if test == "paired":  # samples that are not rounds of a duel (probation, degradation)
        test = "welch"
    if a.std() == 0 and b.std() == 0:
        # No noise to test against: the permutation test's p, the chance that a random split of
        # the pooled returns puts the higher ones all on the candidate's side. One episode against
        # one can never pass (0.5); 10 against 10 gives 1 / 184,756.
        return 1.0 / comb(len(a) + len(b), len(a)) if a.mean() > b.mean() else 1.0
    if test == "welch":
        import warnings

        from scipy.stats import ttest_ind

        with warnings.catch_warnings():  # near-constant returns (a policy at the episode cap) are fine
            warnings.simplefilter("ignore", RuntimeWarning)
            p = float(ttest_ind(a, b, equal_var=False, alternative="greater").pvalue)
        return 1.0 if np.isnan(p) else p  # one episode with a spread on the other side: no test
    rng = np.random.default_rng(seed)
    diffs = rng.choice(a, (rounds, len(a))).mean(axis=1) - rng.choice(b, (rounds, len(b))).mean(axis=1)
    return float((np.sum(diffs <= 0) + 1) / (rounds + 1))


def paired_p(differences: np.ndarray) -> float:
    """p-value of "the mean of the rounds' differences (candidate - champion) is at most 0": a
    one-sided paired t-test; differences without a spread take the exact sign-flip p (all
    positive: 1 / 2^n)."""
    d = np.asarray(differences, dtype=float)
    if d.std() == 0:
        return 0.5 ** len(d) if d.mean() > 0 else 1.0
    from scipy.stats import ttest_1samp

    p = float(ttest_1samp(d, 0.0, alternative="greater").pvalue)
    return 1.0 if np.isnan(p) else p


def gate(
    candidate: Sequence[float],
    champion: Sequence[float],
    alpha: float = 0.05,
    test: str = "welch",
    seed: int = 0,
) -> GateDecision:
    """Promote ``candidate`` (its episode returns) over ``champion`` (theirs) only when the
    one-sided test is significant at ``alpha``."""
    p = one_sided_p(candidate, champion, test, seed=seed)
    return GateDecision(
        promote=p < alpha,
        p_value=p,
        candidate_mean=float(np.mean(candidate)),
        champion_mean=float(np.mean(champion)),
        test=test,
        alpha=alpha,
    )


def spent_alpha(alpha: float, test_number: int) -> float:
    """The level of a run's ``test_number``-th gate (1, 2, ...) when ``alpha`` is the family-wise
    error of all its gates: ``alpha * 6 / (pi^2 k^2)``, which sums to ``alpha`` over any number
    of tests (a Bonferroni split that needs no count in advance)."""
    if test_number < 1:
        raise ValueError(f"tests are numbered from 1, got {test_number}")
    return alpha * 6.0 / (pi**2 * test_number**2)


@dataclass(frozen=True)
class Duel:
    """A sequential gate's outcome: the decision, both sides' returns, and why it stopped
    (``better``, ``futile``: the candidate measurably worse, ``rounds``: all played, ``budget``)."""

    decision: GateDecision
    champion: list[float]
    candidate: list[float]
    stopped: str


def sequential_gate(
    play_round: Callable[[], tuple[float, float] | None],
    rounds: int,
    alpha: float,
    test: str = "welch",
    min_rounds: int = 3,
    futility: float = 0.1,
    seed: int = 0,
    margin: float = 0.0,
) -> Duel:
    """Champion and candidate take turns (``play_round`` returns one episode's return of each, or
    None when the budget is spent). Two looks for a promotion, after ``min_rounds`` rounds and
    after ``rounds``, each at ``alpha / 2`` (Bonferroni: the early look does not raise the error);
    after every round from ``min_rounds`` on, the duel stops without a promotion as soon as the
    candidate is measurably worse (at ``futility``; stopping for futility never promotes, so it
    costs no error). A bad candidate plays ``min_rounds`` episodes instead of ``rounds``, and a
    clearly better one may be promoted as early. ``margin`` > 0 tests non-inferiority instead:
    the candidate is promoted when shown no worse than the champion by more than ``margin``."""
    looks = 1 if min_rounds >= rounds else 2
    level = alpha / looks
    champion: list[float] = []
    candidate: list[float] = []
    stopped = "rounds"
    for played in range(1, rounds + 1):
        got = play_round()
        if got is None:
            stopped = "budget"
            break
        champion.append(got[0])
        candidate.append(got[1])
        if played < min_rounds and played < rounds:
            continue
        shifted = [c + margin for c in candidate]
        if played in (min_rounds, rounds) and one_sided_p(shifted, champion, test, seed=seed) < level:
            stopped = "better"
            break
        if played < rounds and one_sided_p(champion, candidate, test, seed=seed) < futility:
            stopped = "futile"
            break
    if not candidate:
        decision = GateDecision(False, 1.0, float("nan"), float("nan"), test, level, margin)
    else:
        p = one_sided_p([c + margin for c in candidate], champion, test, seed=seed)
        decision = GateDecision(
            p < level, p, float(np.mean(candidate)), float(np.mean(champion)), test, level, margin
        )
    return Duel(decision, champion, candidate, stopped)
