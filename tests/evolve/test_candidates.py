"""Reuse: on a recurring context, the earlier version made for it is ranked first."""

from __future__ import annotations

import gymnasium as gym

from rl_evolve.evolve.candidates import Member, challenger_source, rank_by_surprise
from rl_evolve.evolve.lineage import Lineage
from rl_evolve.evolve.monitor import SurpriseMonitor
from tests.evolve.test_monitor import random_transitions


def fitted(length: float, seed: int) -> SurpriseMonitor:
    monitor = SurpriseMonitor(gym.spaces.Discrete(2), epochs=15, seed=seed)
    monitor.fit(random_transitions(length, 1500, seed=seed))
    return monitor


def test_reuse_ranks_first_the_version_whose_world_recurs():
    members = {0: Member(None, fitted(0.5, 0)), 1: Member(None, fitted(2.0, 1)),  # type: ignore[arg-type]
               2: Member(None, fitted(1.0, 2))}  # type: ignore[arg-type]
    back_to_long_pole = random_transitions(2.0, 400, seed=7)
    ranked = rank_by_surprise(members, back_to_long_pole, exclude=2)
    assert [v for _, v in ranked] == [1, 0]
    assert ranked[0][0] < 3.0 < ranked[1][0]


def test_the_champion_and_versions_without_a_model_are_not_ranked():
    members = {0: Member(None, fitted(0.5, 0)), 1: Member(None, None)}  # type: ignore[arg-type]
    assert rank_by_surprise(members, random_transitions(0.5, 200, seed=3), exclude=0) == []


def test_a_challenger_starts_from_the_champion_or_the_newest_rejected_challenger_since_it_serves():
    lineage = Lineage()
    lineage.add(None, "initial", 0, "v0.zip")
    lineage.add(0, "challenger", 500, "v1.zip")
    lineage.decide(1, 600, "rejected", "worse")  # before v2 took service: not in its line
    lineage.add(0, "challenger", 1000, "v2.zip")
    lineage.decide(2, 1100, "promoted", "better")
    assert challenger_source(lineage, 2, since=1100, mode="latest") == 2, "nothing rejected since"
    lineage.add(2, "challenger", 2000, "v3.zip")
    lineage.decide(3, 2100, "rejected", "worse")
    lineage.add(3, "challenger", 3000, "v4.zip")
    lineage.decide(4, 3100, "rejected", "worse")
    assert challenger_source(lineage, 2, since=1100, mode="latest") == 4
    assert challenger_source(lineage, 2, since=1100, mode="champion") == 2
