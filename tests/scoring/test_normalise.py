"""The normalised scale: a random policy's return is 0, the best known return 1."""

from __future__ import annotations

import pytest

from rl_evolve.scoring.normalise import normalise


def test_normalise_maps_random_to_zero_and_best_to_one_and_clips():
    assert normalise(20.0, 20.0, 500.0) == 0.0
    assert normalise(500.0, 20.0, 500.0) == 1.0
    assert normalise(260.0, 20.0, 500.0) == pytest.approx(0.5)
    assert normalise(-200.0, -200.0, -100.0) == 0.0
    assert normalise(-150.0, -200.0, -100.0) == pytest.approx(0.5)
    assert normalise(5.0, 20.0, 500.0) == 0.0 and normalise(600.0, 20.0, 500.0) == 1.0
    assert normalise(620.0, 20.0, 500.0, clip=False) == pytest.approx(1.25)


def test_normalise_refuses_a_best_return_below_random():
    with pytest.raises(ValueError, match="not above"):
        normalise(0.0, 10.0, 5.0)
