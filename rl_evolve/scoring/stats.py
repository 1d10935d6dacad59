"""Aggregate statistics across runs with honest uncertainty (Agarwal et al. 2021, "Deep RL at the
Edge of the Statistical Precipice"): mean, median, interquartile mean and optimality gap of
normalised scores with stratified-bootstrap 95% intervals, probability of improvement, and
performance profiles.

Scores are ``(runs, tasks)`` arrays: one column per task (env), one row per run (seed). The
stratified bootstrap resamples runs with replacement within each task. rliable implements the
same; its ``arch`` dependency does not import beside pandas 3, hence this numpy version, tested
against hand-computed cases.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import stats

REPS = 2_000
Interval = tuple[float, float, float]  # point estimate, lower, upper


def _flat(scores: np.ndarray) -> np.ndarray:
    """Per bootstrap sample (leading axes kept), all runs and tasks in one axis."""
    return scores.reshape(*scores.shape[:-2], -1)


def mean(scores: np.ndarray) -> np.ndarray:
    return _flat(scores).mean(axis=-1)


def median(scores: np.ndarray) -> np.ndarray:
    return np.median(_flat(scores), axis=-1)


def iqm(scores: np.ndarray) -> np.ndarray:
    """Interquartile mean: the mean of the middle 50% of all run-task scores."""
    return stats.trim_mean(_flat(scores), 0.25, axis=-1)


def optimality_gap(scores: np.ndarray, target: float = 1.0) -> np.ndarray:
    """How far below ``target`` runs fall on average (scores above it count as reaching it)."""
    return (target - np.minimum(_flat(scores), target)).mean(axis=-1)


METRICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": mean,
    "median": median,
    "iqm": iqm,
    "optimality_gap": optimality_gap,
}


def stratified_resamples(scores: np.ndarray, reps: int = REPS, seed: int = 0) -> np.ndarray:
    """``(reps, runs, tasks)``: each task's runs drawn with replacement, independently."""
    n, m = scores.shape
    idx = np.random.default_rng(seed).integers(0, n, size=(reps, n, m))
    return scores[idx, np.arange(m)]


def interval(
    scores: np.ndarray, metric: Callable[[np.ndarray], np.ndarray], reps: int = REPS, seed: int = 0
) -> Interval:
    """The metric on all runs, and its 95% percentile stratified-bootstrap interval."""
    scores = np.asarray(scores, dtype=float)
    samples = metric(stratified_resamples(scores, reps, seed))
    return float(metric(scores)), float(np.percentile(samples, 2.5)), float(np.percentile(samples, 97.5))


def mean_interval(values: list[float], reps: int = 10_000, seed: int = 0) -> Interval:
    """The mean of ``values`` and its 95% percentile-bootstrap interval (NaNs for no values)."""
    if len(values) == 0:
        return (float("nan"),) * 3  # type: ignore[return-value]
    return interval(np.asarray(values, dtype=float)[:, None], mean, reps, seed)


def t_interval(values: list[float], level: float = 0.95) -> Interval:
    """The mean of ``values`` and its Student-t interval (NaNs for no values; the mean twice
    for one value or no spread): for paired per-seed differences, where a handful of seeds makes
    a percentile bootstrap too narrow."""
    if len(values) == 0:
        return (float("nan"),) * 3  # type: ignore[return-value]
    from scipy.stats import t as student

    x = np.asarray(values, dtype=float)
    centre = float(x.mean())
    if len(x) < 2 or x.std() == 0:
        return centre, centre, centre
    half = float(student.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return centre, centre - half, centre + half


def aggregates(scores: np.ndarray, reps: int = REPS, seed: int = 0) -> dict[str, Interval]:
    return {name: interval(scores, fn, reps, seed) for name, fn in METRICS.items()}


def _probability_of_improvement(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """P(X > Y) per Agarwal et al.: per task, the chance that a run of X beats a run of Y (ties
    count half), averaged over tasks. ``x``, ``y``: ``(..., runs, tasks)``."""
    wins = (x[..., :, None, :] > y[..., None, :, :]).astype(float)
    ties = (x[..., :, None, :] == y[..., None, :, :]).astype(float)
    return (wins + 0.5 * ties).mean(axis=(-3, -2)).mean(axis=-1)


def probability_of_improvement(x: np.ndarray, y: np.ndarray, reps: int = REPS, seed: int = 0) -> Interval:
    """P(X > Y) with a 95% interval, both groups resampled (stratified) independently."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xs, ys = stratified_resamples(x, reps, seed), stratified_resamples(y, reps, seed + 1)
    samples = _probability_of_improvement(xs, ys)
    return (
        float(_probability_of_improvement(x, y)),
        float(np.percentile(samples, 2.5)),
        float(np.percentile(samples, 97.5)),
    )


def performance_profile(
    scores: np.ndarray, taus: np.ndarray, reps: int = REPS, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The fraction of run-task scores above each ``tau``, with 95% stratified-bootstrap bands."""
    scores = np.asarray(scores, dtype=float)

    def profile(s: np.ndarray) -> np.ndarray:
        return (_flat(s)[..., None] > taus).mean(axis=-2)

    samples = profile(stratified_resamples(scores, reps, seed))
    return profile(scores), np.percentile(samples, 2.5, axis=0), np.percentile(samples, 97.5, axis=0)


def curve(per_step: np.ndarray, reps: int = REPS, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IQM over runs at every evaluation step with a 95% band; ``per_step``: ``(steps, runs, tasks)``."""
    points, lows, highs = [], [], []
    for scores in per_step:
        point, low, high = interval(scores, iqm, reps, seed)
        points.append(point), lows.append(low), highs.append(high)
    return np.array(points), np.array(lows), np.array(highs)
