"""On a machine with a GPU: a supervised run and an RL run with ``device=cuda`` train there and
say so in their summaries (skipped where torch sees no GPU; CI has none)."""

from __future__ import annotations

import pytest
import torch

from tests.conftest import FAST_PPO, read_summary, run_cli, run_folders

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no GPU here")


def trained_on_the_gpu(tmp_path, *overrides: str) -> dict:
    torch.cuda.reset_peak_memory_stats()
    result = run_cli(*overrides, "device=cuda", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert torch.cuda.max_memory_allocated() > 0, "nothing was put on the GPU"
    (run,) = run_folders(tmp_path / "runs")
    summary = read_summary(run)
    assert summary["status"] == "completed" and summary["device"].startswith("cuda")
    return summary


def test_a_supervised_run_trains_on_the_gpu(tmp_path):
    summary = trained_on_the_gpu(
        tmp_path,
        "task=supervised",
        "data=synthetic_images",
        "fit.epochs=2",
        "data.size=240",
        "progress_bar=false",
    )
    assert 0.0 <= summary["test"]["accuracy"] <= 1.0


def test_an_rl_run_trains_on_the_gpu(tmp_path):
    summary = trained_on_the_gpu(tmp_path, *FAST_PPO)
    assert summary["timesteps"] >= 512
