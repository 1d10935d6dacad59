"""Reuse: on a recurring context, the earlier version made for it has the strongest evidence."""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rl_evolve.evolve.candidates import VersionState, challenger_source, evidence, rank_by_evidence
from rl_evolve.evolve.lineage import Lineage
from rl_evolve.evolve.monitor import SurpriseMonitor, Transitions
from tests.evolve.test_monitor import random_transitions


def fitted(length: float, seed: int) -> SurpriseMonitor:
    monitor = SurpriseMonitor(gym.spaces.Discrete(2), epochs=15, seed=seed)
    monitor.fit(random_transitions(length, 1500, seed=seed))
    return monitor


def test_reuse_ranks_first_the_version_whose_world_recurs():
    members = {
        0: VersionState(None, fitted(0.5, 0)),
        1: VersionState(None, fitted(2.0, 1)),  # type: ignore[arg-type]
        2: VersionState(None, fitted(1.0, 2)),
    }  # type: ignore[arg-type]
    back_to_long_pole = random_transitions(2.0, 400, seed=7)
    ranked = rank_by_evidence(members, back_to_long_pole, champion=2)
    assert [v for _, v in ranked][0] == 1
    assert ranked[0][0] > 5.0  # nats per step: far above what a second model of one world gives


def test_a_second_model_of_the_champions_own_world_gives_little_evidence():
    members = {0: VersionState(None, fitted(0.5, 0)), 1: VersionState(None, fitted(0.5, 5))}  # type: ignore[arg-type]
    ((nats, version),) = rank_by_evidence(members, random_transitions(0.5, 1000, seed=7), champion=0)
    assert version == 1 and nats < 1.0


def test_evidence_accrues_from_the_change_inside_the_window():
    old, new = fitted(0.5, 0), fitted(2.0, 1)
    before, after = random_transitions(0.5, 800, seed=7), random_transitions(2.0, 200, seed=8)
    window = Transitions(
        *(np.concatenate([getattr(before, k), getattr(after, k)]) for k in ("obs", "actions", "next_obs"))
    )
    # the 200 steps after the change carry the evidence; the 800 before do not cancel it
    assert evidence(new, old, window) * len(window) > 0.9 * evidence(new, old, after) * len(after)


def test_no_version_is_ranked_while_the_champion_has_no_model():
    members = {0: VersionState(None, None), 1: VersionState(None, fitted(0.5, 0))}  # type: ignore[arg-type]
    assert rank_by_evidence(members, random_transitions(0.5, 200, seed=3), champion=0) == []


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
