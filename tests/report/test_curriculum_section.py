"""rl-evolve-report pairs transfer runs with the scratch run of the same seed."""

from __future__ import annotations

import json

import pytest

from rl_evolve.report.cli import main
from rl_evolve.report.sections.curriculum import aggregate


def summary(mode: str, seed: int, steps: list[int | None], auc: list[float], jump: list[float]) -> dict:
    stages = [
        {
            "stage": i,
            "name": f"t{i}",
            "budget": 100,
            "steps": s or 100,
            "reached_threshold": s is not None,
            "steps_to_threshold": s,
            "auc": a,
            "jumpstart": j,
            "end_returns": {f"t{i}": 1.0},
        }
        for i, (s, a, j) in enumerate(zip(steps, auc, jump, strict=True))
    ]
    return {
        "task": "curriculum",
        "status": "completed",
        "curriculum": "c",
        "algo": "ppo",
        "seed": seed,
        "transfer": {"mode": mode, "penalty": "none"},
        "tasks": ["t0", "t1"],
        "stages": stages,
        "forgetting": {"t0": 0.1},
        "mean_forgetting": 0.1,
        "average_performance": 0.9,
        "R_raw": [[1.0, 0.0], [1.0, 1.0]],
        "R": [[1.0, 0.0], [1.0, 1.0]],
        "reference_returns": {"t0": {"random": 0.0, "best": 1.0}, "t1": {"random": 0.0, "best": 1.0}},
        "evaluations": [
            {"global_step": 0, "returns": {"t0": 0.0, "t1": 0.0}},
            {"global_step": 100, "returns": {"t0": 1.0, "t1": 1.0}},
        ],
    }


RUNS = [
    summary("none", 0, [50, None], [0.5, 0.2], [0.0, 0.1]),
    summary("none", 1, [70, 90], [0.5, 0.4], [0.0, 0.1]),
    summary("full", 0, [50, 10], [0.5, 0.6], [0.0, 0.5]),
    summary("full", 1, [70, 20], [0.5, 0.7], [0.0, 0.3]),
]


def test_forward_transfer_and_jumpstart_are_paired_by_seed():
    stage = aggregate(RUNS)["c/ppo"]["labels"]["full"]["stages"][1]
    # seed 0: (0.6 - 0.2) / 0.8 = 0.5; seed 1: (0.7 - 0.4) / 0.6 = 0.5
    assert stage["forward_transfer"]["mean_ci"][0] == pytest.approx(0.5)
    assert stage["auc_difference"][0] == pytest.approx((0.4 + 0.3) / 2)
    assert stage["jumpstart_vs_scratch"][0] == pytest.approx((0.4 + 0.2) / 2)


def test_an_unreached_threshold_counts_as_the_budget():
    stage = aggregate(RUNS)["c/ppo"]["labels"]["none"]["stages"][1]
    assert stage["reached"] == 1 and sorted(stage["steps_to_threshold"]["values"]) == [90, 100]


def test_the_last_stage_is_compared_with_scratch_by_median_steps():
    against = aggregate(RUNS)["c/ppo"]["last_stage_against_scratch"]["full"]
    assert against["last_stage_median_steps"] == 15 and against["scratch_median_steps"] == 95
    assert against["ratio"] == pytest.approx(15 / 95)


def test_rl_evolve_report_writes_the_curriculum_section_and_its_files(tmp_path):
    for i, run in enumerate(RUNS):
        (tmp_path / "runs" / str(i)).mkdir(parents=True)
        (tmp_path / "runs" / str(i) / "summary.json").write_text(json.dumps(run))
    main([str(tmp_path / "runs"), "--out", str(tmp_path / "out")])
    for name in ("results.csv", "report.json", "report.md", "curves.png"):
        assert (tmp_path / "out" / name).is_file()
    assert len((tmp_path / "out" / "results.csv").read_text().splitlines()) == 1 + 4 * 2


def test_a_penalty_is_compared_with_plain_fine_tuning_of_the_same_seed():
    penalised = summary("full", 0, [50, 10], [0.5, 0.6], [0.0, 0.5])
    penalised["transfer"].update(penalty="ewc", strength=100.0)
    penalised["mean_forgetting"] = 0.02
    effect = aggregate([*RUNS, penalised])["c/ppo"]["penalty_vs_plain"]["full+ewc(100)"]
    assert effect["against"] == "full"
    assert effect["mean_forgetting_difference"][0] == pytest.approx(0.02 - 0.1)


def test_forward_transfer_where_scratch_leaves_no_room_is_undefined_and_the_auc_difference_shows_harm():
    scratch = [summary("none", seed, [10, 10], [1.0, 1.0], [1.0, 1.0]) for seed in (0, 1)]
    worse = [summary("full", seed, [10, 10], [1.0, 0.8], [1.0, 1.0]) for seed in (0, 1)]
    stage = aggregate([*scratch, *worse])["c/ppo"]["labels"]["full"]["stages"][1]
    assert stage["forward_transfer"]["undefined"] == 2 and stage["forward_transfer"]["mean_ci"] is None
    assert stage["auc_difference"][0] == pytest.approx(-0.2)


def test_forward_transfer_reports_median_and_iqm_beside_the_mean():
    scratch = [summary("none", seed, [10, 10], [0.5, 0.5], [0.0, 0.0]) for seed in range(5)]
    aucs = [0.75, 0.75, 0.75, 0.75, -3.5]  # FT 0.5 four times and -8.0 once
    runs = [summary("full", seed, [10, 10], [0.5, a], [0.0, 0.0]) for seed, a in enumerate(aucs)]
    ft = aggregate([*scratch, *runs])["c/ppo"]["labels"]["full"]["stages"][1]["forward_transfer"]
    assert ft["mean_ci"][0] == pytest.approx((4 * 0.5 - 8.0) / 5)
    assert ft["median"] == pytest.approx(0.5) and ft["iqm"] == pytest.approx(0.5)


def test_the_report_counts_r_entries_that_were_clipped():
    runs = [summary("full", seed, [10, 10], [0.5, 0.5], [0.0, 0.0]) for seed in (0, 1)]
    runs[0]["R"], runs[0]["R_clipped"] = [[1.0, 0.0], [1.0, 1.0]], [[0, 0]]
    runs[1]["R"], runs[1]["R_clipped"] = [[1.0, 0.0], [1.0, 1.0]], []
    assert aggregate(runs)["c/ppo"]["labels"]["full"]["R_entries_clipped"] == [1, 8]


def test_a_penalty_forgetting_less_by_learning_less_shows_in_the_per_task_split():
    penalised = summary("full", 0, [50, 10], [0.5, 0.6], [0.0, 0.5])
    penalised["transfer"].update(penalty="ewc", strength=100.0)
    penalised["forgetting"], penalised["R"] = {"t0": 0.0}, [[0.9, 0.0], [0.9, 1.0]]
    plain = {**RUNS[2], "R": [[1.0, 0.0], [0.9, 1.0]]}  # forgetting 0.1 on t0
    split = aggregate([RUNS[0], RUNS[1], plain, RUNS[3], penalised])["c/ppo"]["penalty_vs_plain"][
        "full+ewc(100)"
    ]["per_task"]["t0"]
    assert split["forgetting_difference"][0] == pytest.approx(-0.1)
    assert split["after_its_stage_difference"][0] == pytest.approx(-0.1)  # it learned less
    assert split["at_the_end_difference"][0] == pytest.approx(0.0)  # and kept no more
