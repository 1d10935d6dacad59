"""The shadow's cadence gate: only while the champion serves measurably below its home score."""

from __future__ import annotations

from types import SimpleNamespace

from rl_evolve.evolve.loop import Deployment
from rl_evolve.scoring.normalise import normalise


def champion_serving(returns: list[float], home_spread: float, improve_below: float | None = None):
    fake = SimpleNamespace(
        references=(-1200.0, -150.0),
        home_spread=home_spread,
        ev=SimpleNamespace(gate_every=len(returns), improve_below=improve_below),
        _last_served=lambda n: returns[-n:],
    )
    fake._normalised = lambda rs: normalise(sum(rs) / len(rs), *fake.references, clip=False)
    fake._below_home = lambda rs: Deployment._below_home(fake, rs)
    return fake


def test_a_noisy_champion_a_little_below_its_home_mean_is_not_gated_on_the_cadence():
    # home: -150 +- 80; ten served episodes averaging -170 are within two standard errors
    assert not Deployment._serving_below_home(champion_serving([-170.0] * 10, home_spread=80.0))


def test_a_champion_far_below_its_home_score_is_gated_on_the_cadence():
    assert Deployment._serving_below_home(champion_serving([-600.0] * 10, home_spread=80.0))


def test_a_champion_without_spread_at_home_is_gated_as_soon_as_it_serves_below_it():
    assert Deployment._serving_below_home(champion_serving([-151.0] * 10, home_spread=0.0))


def test_improve_below_sets_the_level_itself():
    assert Deployment._serving_below_home(champion_serving([-170.0] * 10, 80.0, improve_below=0.99))
