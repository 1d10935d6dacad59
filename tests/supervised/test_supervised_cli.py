"""CLI smoke runs of each model on synthetic data, fine-tuning from a run, and bad input."""

from __future__ import annotations

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.conftest import read_summary, run_cli, run_folders

FAST = ["task=supervised", "fit.epochs=2", "progress_bar=false", "data.size=240", "fit.fisher_samples=50"]


@pytest.mark.parametrize(
    ("model", "data", "options"),
    [
        ("cnn", "synthetic_images", []),
        ("lstm", "synthetic_texts", []),
        (
            "lstm",
            "synthetic_texts",
            [
                "model.embedding_init=cooccurrence",
                "model.pooling=mean_max",
                "model.word_dropout=0.1",
                "model.num_layers=2",
            ],
        ),
    ],
)
def test_each_model_trains_and_leaves_a_complete_run_folder(tmp_path, model, data, options):
    result = run_cli(*FAST, f"model={model}", f"data={data}", *options, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(tmp_path / "runs")
    assert run.name.endswith(f"_{model}_{data}_s0")
    summary = read_summary(run)
    assert set(summary["test"]) == {"loss", "accuracy", "precision", "recall", "f1"}
    assert (run / "splits.json").is_file()
    best = torch.load(run / "checkpoints" / "best.pt", weights_only=False)
    assert "fisher" in best and (best["vocabulary"] is not None) == (model == "lstm")
    assert any(p.name.startswith("events.out.tfevents") for p in (run / "tb").iterdir())


@pytest.mark.slow
def test_fine_tuning_from_an_earlier_run_with_a_penalty(tmp_path):
    assert run_cli(*FAST, "data=synthetic_images", cwd=tmp_path).returncode == 0
    (source,) = run_folders(tmp_path / "runs")
    for penalty in ("l2sp", "ewc"):
        result = run_cli(
            *FAST,
            "data=synthetic_images",
            f"model.source={source}",
            f"fit.penalty={penalty}",
            f"experiment={penalty}",
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        (run,) = run_folders(tmp_path / "runs" / penalty)
        events = EventAccumulator(str(run / "tb"))
        events.Reload()
        pulls = [e.value for e in events.Scalars(f"supervised/train/{penalty}")]
        assert len(pulls) == 2 and all(v > 0 for v in pulls)  # the penalty acted in every epoch


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["model=transformer"], "unknown model option 'transformer'"),
        (["data=imagenet"], "unknown data option 'imagenet'"),
        (["data=fashion_mnist", "data.root=/nowhere"], "apt-get install dataset-fashion-mnist"),
        (["model=lstm", "data=synthetic_images"], "model=lstm needs text data"),
        (["model.source=/nowhere/best.pt", "data=synthetic_images"], "does not exist"),
    ],
)
def test_bad_supervised_input_fails_with_one_line(tmp_path, overrides, expected):
    result = run_cli(*FAST, *overrides, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
