"""rl-evolve-report on synthetic sweep folders whose statistics are known by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rl_evolve.report.cli import main

# Normalised scale: random 0, reference 100, so a return of 40 is 0.4.
FINALS = {"uniform": [20.0, 40.0, 60.0, 80.0], "prioritized": [100.0, 100.0, 100.0, 100.0]}


def write_run(folder, replay: str, seed: int, final: float) -> None:
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text(
        yaml.safe_dump(["algo=dqn", f"replay={replay}", f"seed={seed}", "experiment=x"])
    )
    (folder / ".hydra" / "config.yaml").write_text(
        yaml.safe_dump({"env": {"name": "cartpole", "random_return": 0.0, "reference_return": 100.0}})
    )
    (folder / "summary.json").write_text(
        json.dumps(
            {
                "task": "train",
                "status": "completed",
                "seed": seed,
                "env": "cartpole",
                "final_eval": {"mean": final},
            }
        )
    )
    steps = np.array([1000, 2000])
    results = np.array([[final / 2] * 3, [final] * 3])  # half way at 1000 steps, the final at 2000
    np.savez(folder / "evaluations.npz", timesteps=steps, results=results, ep_lengths=results)


@pytest.fixture
def sweep(tmp_path):
    for replay, finals in FINALS.items():
        for seed, final in enumerate(finals):
            write_run(tmp_path / "runs" / f"replay={replay},seed={seed}", replay, seed, final)
    main([str(tmp_path / "runs"), "--out", str(tmp_path / "out")])
    return tmp_path / "out", json.loads((tmp_path / "out" / "report.json").read_text())["sweep"]


def test_runs_are_grouped_by_the_overrides_that_differ_seed_excepted(sweep):
    _, report = sweep
    assert set(report["groups"]) == {"replay=prioritized", "replay=uniform"}
    assert report["groups"]["replay=uniform"]["seeds"] == [0, 1, 2, 3]


def test_aggregates_are_those_computed_by_hand(sweep):
    _, report = sweep
    uniform = report["groups"]["replay=uniform"]["aggregates"]
    assert report["normalised"] is True
    assert uniform["mean"][0] == pytest.approx(0.5) and uniform["median"][0] == pytest.approx(0.5)
    assert uniform["iqm"][0] == pytest.approx(0.5)  # the middle two of 0.2, 0.4, 0.6, 0.8
    assert uniform["optimality_gap"][0] == pytest.approx(0.5)
    assert uniform["mean"][1] < 0.5 < uniform["mean"][2]
    assert report["groups"]["replay=prioritized"]["aggregates"]["optimality_gap"] == [0.0, 0.0, 0.0]
    assert report["groups"]["replay=uniform"]["final_return"][0] == pytest.approx(50.0)
    assert report["probability_of_improvement"]["replay=prioritized > replay=uniform"] == [1.0, 1.0, 1.0]


def test_the_sample_efficiency_curve_is_the_iqm_at_each_evaluation_step(sweep):
    _, report = sweep
    curve = report["groups"]["replay=uniform"]["curve"]
    assert curve["steps"] == [1000, 2000]
    assert curve["iqm"] == pytest.approx([0.25, 0.5])


def test_the_report_writes_tables_plots_and_a_tensorboard_margin_chart(sweep):
    out, _ = sweep
    for name in ("report.md", "runs.csv", "aggregates.png", "profiles.png", "sample_efficiency.png"):
        assert (out / name).stat().st_size > 0, name
    assert "| replay=uniform | 4 | 50.0 [" in (out / "report.md").read_text()
    first = EventAccumulator(str(out / "tensorboard" / "replay=prioritized"))
    first.Reload()
    assert {"report/iqm", "report/iqm_low", "report/iqm_high"} <= set(first.Tags()["scalars"])
    assert "custom_scalars__config__" in first.Tags()["tensors"], (
        "the layout TensorBoard's custom scalars read"
    )


def test_a_report_made_again_in_the_same_folder_shows_each_curve_once(sweep, tmp_path):
    out, _ = sweep
    main([str(tmp_path / "runs"), "--out", str(out)])
    for group in ("replay=prioritized", "replay=uniform"):
        assert len(list((out / "tensorboard" / group).glob("events.out.tfevents.*"))) == 1, group


def test_a_folder_without_runs_fails_in_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as stopped:
        main([str(tmp_path / "empty"), "--out", str(tmp_path / "out")])
    assert stopped.value.code == 2
    assert "no completed runs of any kind under" in capsys.readouterr().err


def test_an_out_folder_that_cannot_be_written_fails_in_one_line(tmp_path, capsys):
    write_run(tmp_path / "runs" / "a", "uniform", 0, 50.0)
    (tmp_path / "a_file").write_text("")
    with pytest.raises(SystemExit) as stopped:
        main([str(tmp_path / "runs"), "--out", str(tmp_path / "a_file" / "out")])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "cannot be written" in err[-1] and not any("Traceback" in line for line in err)


def test_one_walk_writes_a_section_for_each_kind_of_run_found(tmp_path):
    write_run(tmp_path / "runs" / "a", "uniform", 0, 50.0)
    supervised = tmp_path / "runs" / "classifier"
    supervised.mkdir(parents=True)
    (supervised / "summary.json").write_text(
        json.dumps(
            {
                "task": "supervised",
                "status": "completed",
                "model": "cnn",
                "data": "mnist",
                "seed": 0,
                "test": {"accuracy": 0.9, "f1": 0.8},
                "best_epoch": 3,
                "epochs_run": 5,
            }
        )
    )
    main([str(tmp_path / "runs"), "--out", str(tmp_path / "out")])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report.keys() == {"sweep", "supervised"}
    assert report["supervised"]["cnn/mnist"]["test_accuracy"][0] == 0.9
    text = (tmp_path / "out" / "report.md").read_text()
    assert text.index("## Sweep") < text.index("## Supervised")
