"""A curriculum run: stages advance on threshold or budget, one step axis, R and its metrics."""

from __future__ import annotations

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rl_evolve.curriculum.evaluation import ContinualEvaluator
from rl_evolve.curriculum.stages import Stage
from rl_evolve.tasks.curriculum import stage_results as _results
from tests.conftest import FAST_PPO, read_summary, run_cli, run_folders

# Stage "hard" can never reach its threshold (ends on budget); "easy" reaches it before training.
TINY = (
    "curriculum.stages=[{name:hard,budget:256,threshold:1e9,best_return:500},"
    "{name:easy,dynamics:{length:1.0},budget:256,threshold:0,best_return:500}]"
)


# the module's tests share one run (a module fixture): one test worker builds it
pytestmark = pytest.mark.xdist_group("tiny_run")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("curriculum")
    result = run_cli(
        "curriculum=cartpole_pole_length",
        TINY,
        "curriculum.eval_freq=128",
        "curriculum.eval_episodes=2",
        "curriculum.final_eval_episodes=3",
        "curriculum.random_episodes=3",
        *FAST_PPO,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(cwd / "runs")
    return run, result.stdout


def test_stage_ends_on_budget_when_threshold_is_not_reached(tiny_run):
    hard = read_summary(tiny_run[0])["stages"][0]
    assert hard["reached_threshold"] is False and hard["steps_to_threshold"] is None
    assert hard["steps"] >= 256


def test_stage_ends_at_once_when_the_threshold_is_already_met(tiny_run):
    easy = read_summary(tiny_run[0])["stages"][1]
    assert easy["reached_threshold"] is True and easy["steps"] == 0 and easy["steps_to_threshold"] == 0
    assert easy["transfer"]["mode"] == "full" and easy["transfer"]["reinitialised"] == []


def test_every_evaluation_measures_every_task(tiny_run):
    for entry in read_summary(tiny_run[0])["evaluations"]:
        assert set(entry["returns"]) == {"hard", "easy"}


def test_tensorboard_steps_continue_across_stages(tiny_run):
    run, _ = tiny_run
    summary = read_summary(run)
    hard_steps = summary["stages"][0]["steps"]
    events = EventAccumulator(str(run / "tb"))
    events.Reload()
    stage_tag = [(e.step, e.value) for e in events.Scalars("curriculum/stage")]
    assert [v for _, v in stage_tag] == sorted(v for _, v in stage_tag)  # stage 0 then 1
    assert max(s for s, v in stage_tag if v == 0) <= hard_steps
    assert min(s for s, v in stage_tag if v == 1) == hard_steps
    assert "curriculum/eval/easy/mean_return" in events.Tags()["scalars"]


def test_summary_holds_r_matrix_metrics_heatmap_and_checkpoints(tiny_run):
    run, stdout = tiny_run
    summary = read_summary(run)
    assert summary["status"] == "completed" and summary["tasks"] == ["hard", "easy"]
    assert len(summary["R"]) == 2 and all(len(row) == 2 for row in summary["R"])
    assert set(summary["forgetting"]) == {"hard"}
    for stage, row in zip(summary["stages"], summary["R_raw"], strict=True):
        assert set(stage["final_returns"]) == {"hard", "easy"}
        assert row == [stage["final_returns"]["hard"], stage["final_returns"]["easy"]]
    assert (run / "R_matrix.png").is_file()
    assert (run / "checkpoints" / "stage0_hard.zip").is_file()
    assert (run / "checkpoints" / "last.zip").is_file()
    assert "average performance" in stdout


def test_a_later_run_starts_from_an_earlier_run_folder(tiny_run, tmp_path):
    run, _ = tiny_run
    result = run_cli(f"transfer.source={run}", "transfer=trunk", *FAST_PPO, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "transfer=trunk from" in result.stdout and "12 tensors copied" in result.stdout


def _evaluator(history):
    stages = [Stage(0, "a", {}, 100, 90.0, 100.0), Stage(1, "b", {}, 100, 90.0, 100.0)]
    evaluator = ContinualEvaluator(stages, {}, {"a": 0.0, "b": 0.0}, episodes=1)
    evaluator.history = history
    return stages, evaluator


def test_results_from_known_returns():
    history = [
        {"stage": 0, "stage_step": 0, "returns": {"a": 0.0, "b": 10.0}},
        {"stage": 0, "stage_step": 50, "returns": {"a": 100.0, "b": 30.0}},
        {"stage": 1, "stage_step": 0, "returns": {"a": 100.0, "b": 40.0}},
        {"stage": 1, "stage_step": 100, "returns": {"a": 60.0, "b": 80.0}},
    ]
    stages, evaluator = _evaluator(history)
    # R comes from the fresh end-of-stage evaluations, not the curve's last point.
    records = [
        {"end_returns": history[1]["returns"], "final_returns": {"a": 90.0, "b": 30.0}},
        {"end_returns": history[3]["returns"], "final_returns": {"a": 60.0, "b": 120.0}},
    ]
    out = _results(stages, evaluator, records)
    assert out["R"] == [[0.9, 0.3], [0.6, 1.0]]
    assert out["R_unclipped"][1][1] == pytest.approx(1.2) and out["R_clipped"] == [[1, 1]]
    assert out["forgetting"] == {"a": pytest.approx(0.3)}
    assert out["average_performance"] == pytest.approx(0.8)
    assert records[0]["jumpstart"] == 0.0 and records[1]["jumpstart"] == pytest.approx(0.4)
    assert records[0]["auc"] == pytest.approx(0.75)  # 0 -> 1 over 50 steps, then held
    assert records[1]["auc"] == pytest.approx(0.6)  # 0.4 -> 0.8 over the whole budget
