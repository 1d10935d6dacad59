"""CUSUM on a policy at its episode cap: one short episode is noise, a collapse is an alarm; with a
clip, no single episode alarms however far it falls."""

from __future__ import annotations

import pytest

from rl_evolve.errors import ConfigError
from rl_evolve.evolve.detectors import CUSUM


def test_one_short_episode_among_capped_returns_raises_no_alarm():
    detector = CUSUM(warmup=10, direction="down")
    stream = [500.0] * 10 + [500.0] * 20 + [430.0] + [500.0] * 20
    assert not any(detector.update(x) for x in stream)


def test_a_collapse_of_capped_returns_is_an_alarm_at_once():
    detector = CUSUM(warmup=10, direction="down")
    alarms = [detector.update(x) for x in [500.0] * 10 + [15.0]]
    assert alarms[-1]


def test_with_a_clip_no_single_episode_alarms_however_far_it_falls():
    detector = CUSUM(warmup=10, direction="down", clip=5.0)
    stream = [500.0] * 10 + [500.0] * 20 + [0.0] + [500.0] * 20 + [0.0] + [500.0] * 5
    assert not any(detector.update(x) for x in stream)


def test_with_a_clip_a_lasting_collapse_alarms_within_three_episodes():
    detector = CUSUM(warmup=10, direction="down", clip=5.0)
    alarms = [detector.update(x) for x in [500.0] * 10 + [15.0] * 3]
    assert alarms[-1] and not any(alarms[:-1]), "4 deviations an episode over the drift: the third passes 10"


def test_a_clip_at_or_below_the_drift_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="clip=1.0 must be above drift=1.0"):
        CUSUM(clip=1.0)
