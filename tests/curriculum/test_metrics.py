"""The continual-learning metrics on hand-computed values."""

from __future__ import annotations

import math

import pytest

from rl_evolve.curriculum import metrics


def test_forgetting_is_own_stage_end_minus_final():
    r = [[0.9, 0.1, 0.0], [0.5, 0.8, 0.2], [0.3, 0.6, 1.0]]
    assert metrics.forgetting(r) == pytest.approx([0.6, 0.2, 0.0])
    assert metrics.average_performance(r) == pytest.approx((0.3 + 0.6 + 1.0) / 3)


def test_auc_interpolates_between_evaluations_and_holds_after_an_early_advance():
    # 0 -> 1 linearly over the first 50 of 100 steps, then held at 1: area 25 + 50 = 75.
    assert metrics.stage_auc([0, 50], [0.0, 1.0], 100) == pytest.approx(0.75)
    assert metrics.stage_auc([0, 25, 50, 75, 100], [0, 0, 0, 0, 0], 100) == 0.0
    assert metrics.stage_auc([0], [0.4], 100) == pytest.approx(0.4)


def test_forward_transfer_is_the_share_of_scratchs_headroom_taken():
    assert metrics.forward_transfer(0.75, 0.5) == pytest.approx(0.5)
    assert metrics.forward_transfer(0.5, 0.5) == 0.0
    assert metrics.forward_transfer(0.25, 0.5) == pytest.approx(-0.5)
    assert math.isnan(metrics.forward_transfer(1.0, 1.0))  # no room: undefined, not 0


def test_heatmap_writes_a_png(tmp_path):
    metrics.heatmap([[1.0, 0.2], [0.5, 0.9]], ["a", "b"], str(tmp_path / "r.png"))
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
