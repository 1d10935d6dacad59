"""CUSUM on a policy at its episode cap: one short episode is noise, a collapse is an alarm."""

from __future__ import annotations

from rl_evolve.evolve.detectors import CUSUM


def test_one_short_episode_among_capped_returns_raises_no_alarm():
    detector = CUSUM(warmup=10, direction="down")
    stream = [500.0] * 10 + [500.0] * 20 + [430.0] + [500.0] * 20
    assert not any(detector.update(x) for x in stream)


def test_a_collapse_of_capped_returns_is_an_alarm_at_once():
    detector = CUSUM(warmup=10, direction="down")
    alarms = [detector.update(x) for x in [500.0] * 10 + [15.0]]
    assert alarms[-1]
