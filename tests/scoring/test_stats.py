"""The aggregate statistics give the hand-computed values, and intervals that behave."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from rl_evolve.scoring import stats


def column(*values: float) -> np.ndarray:
    return np.array(values, dtype=float)[:, None]  # runs x 1 task


def test_iqm_is_the_mean_of_the_middle_half():
    assert stats.iqm(column(*range(100))) == pytest.approx(49.5)  # mean of 25..74
    assert stats.iqm(column(0, 1, 2, 100)) == pytest.approx(1.5)  # the outlier is trimmed


def test_optimality_gap_counts_only_the_shortfall_below_the_target():
    assert stats.optimality_gap(column(0.5, 1.2)) == pytest.approx(0.25)
    assert stats.optimality_gap(column(1.0, 2.0)) == 0.0


def test_probability_of_improvement_counts_wins_and_half_ties():
    x, y = column(1, 2), column(0, 3)
    assert stats.probability_of_improvement(x, y, reps=200)[0] == pytest.approx(0.5)
    assert stats.probability_of_improvement(column(5, 6), column(1, 2), reps=200) == (1.0, 1.0, 1.0)
    assert stats.probability_of_improvement(column(1, 1), column(1, 1), reps=200)[0] == 0.5


def test_probability_of_improvement_averages_over_tasks():
    x = np.array([[1.0, 0.0], [1.0, 0.0]])  # wins every pair on task 0, loses every pair on task 1
    y = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert stats.probability_of_improvement(x, y, reps=200)[0] == pytest.approx(0.5)


def test_the_bootstrap_interval_of_the_mean_matches_scipys_percentile_bootstrap():
    values = np.random.default_rng(3).normal(10, 2, size=20)
    point, low, high = stats.interval(column(*values), stats.mean, reps=20_000)
    reference = scipy_stats.bootstrap(
        (values,), np.mean, n_resamples=20_000, method="percentile", random_state=1
    ).confidence_interval
    assert point == pytest.approx(values.mean())
    assert low == pytest.approx(reference.low, abs=0.1) and high == pytest.approx(reference.high, abs=0.1)


def test_stratified_resamples_draw_each_task_from_its_own_runs():
    scores = np.array([[0.0, 10.0], [1.0, 11.0], [2.0, 12.0]])
    samples = stats.stratified_resamples(scores, reps=500)
    assert set(np.unique(samples[..., 0])) <= {0.0, 1.0, 2.0}
    assert set(np.unique(samples[..., 1])) <= {10.0, 11.0, 12.0}


def test_identical_runs_have_a_zero_width_interval():
    assert stats.interval(column(0.7, 0.7, 0.7), stats.iqm) == pytest.approx((0.7, 0.7, 0.7))


def test_a_performance_profile_is_the_fraction_of_runs_above_each_threshold():
    point, low, high = stats.performance_profile(column(0.1, 0.5, 0.9, 1.0), np.array([0.0, 0.5, 0.95]))
    assert point.tolist() == [1.0, 0.5, 0.25]
    assert np.all(low <= point) and np.all(point <= high)


def test_the_mean_interval_brackets_the_mean_and_is_the_plain_percentile_bootstrap():
    mean, low, high = stats.mean_interval([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and low < mean < high
    x = np.array([0.3, 1.2, -0.4, 2.2, 0.9])
    means = np.random.default_rng(0).choice(x, size=(10_000, len(x))).mean(axis=1)
    assert stats.mean_interval(list(x))[1:] == (np.percentile(means, 2.5), np.percentile(means, 97.5))


def test_the_t_interval_is_the_textbook_one():
    values = [0.1, -0.2, 0.3, 0.05, 0.15]
    centre, low, high = stats.t_interval(values)
    expected = scipy_stats.t.interval(0.95, 4, loc=np.mean(values), scale=scipy_stats.sem(values))
    assert centre == pytest.approx(np.mean(values))
    assert (low, high) == pytest.approx(expected)


def test_a_t_interval_of_one_value_or_no_spread_is_the_value():
    assert stats.t_interval([0.4]) == (0.4, 0.4, 0.4)
    assert stats.t_interval([0.2, 0.2]) == (0.2, 0.2, 0.2)
    assert all(v != v for v in stats.t_interval([]))
