"""Whatever phase of whatever task raises, the run's summary ends in exactly one final status and
the command exits with that status's code."""

from __future__ import annotations

import pytest

from rl_evolve.errors import ConfigError, Diverged
from rl_evolve.tasks.curriculum import Curriculum
from rl_evolve.tasks.evaluate import Evaluate
from rl_evolve.tasks.evolve import Evolve
from rl_evolve.tasks.supervised import Supervised
from rl_evolve.tasks.train import Train
from rl_evolve.tasks.tune import Tune
from tests.conftest import FAST_PPO, read_summary, run_cli, run_folders

STAGES = (
    "curriculum.stages=[{name:a,dynamics:{length:0.5},budget:128,threshold:0,best_return:500},"
    "{name:b,dynamics:{length:1.0},budget:128,threshold:0,best_return:500}]"
)
TASKS = {
    "train": (Train, FAST_PPO),
    "curriculum": (
        Curriculum,
        [
            "curriculum=cartpole_pole_length",
            STAGES,
            "curriculum.eval_freq=128",
            "curriculum.eval_episodes=1",
            "curriculum.final_eval_episodes=1",
            "curriculum.random_episodes=2",
            *FAST_PPO,
        ],
    ),
    "supervised": (
        Supervised,
        [
            "task=supervised",
            "data=synthetic_images",
            "data.size=120",
            "fit.epochs=1",
            "fit.fisher_samples=10",
            "progress_bar=false",
        ],
    ),
    "evolve": (
        Evolve,
        [
            "task=evolve",
            "progress_bar=false",
            "total_timesteps=128",
            "algo.n_steps=64",
            "algo.batch_size=64",
            "algo.n_epochs=1",
            "evolve.steps=300",
            "evolve.best_return=500",
            "evolve.strategy=static",
            "dynamics=constant",
        ],
    ),
    "tune": (
        Tune,
        [
            "task=tune",
            "total_timesteps=200",
            "eval.freq=100",
            "eval.n_episodes=1",
            "tune.seeds=[0]",
            "tune.n_trials=1",
            "tune.dir=study",
            "algo.learning_starts=50",
        ],
    ),
    "evaluate": (Evaluate, ["task=evaluate", "eval.n_episodes=1"]),
}
# what the injected error is, the summary's status and the command's exit code
ERRORS = {
    "bug": (RuntimeError("injected"), "failed", 1),
    "bad input": (ConfigError("injected"), "failed", 2),
    "ctrl-c": (KeyboardInterrupt(), "interrupted", 130),
    "nan": (Diverged("injected"), "diverged", 3),
}


@pytest.fixture(scope="module")
def trained_agent(tmp_path_factory):
    """A tiny PPO run: the agent task=evaluate scores."""
    cwd = tmp_path_factory.mktemp("source")
    assert run_cli(*FAST_PPO, "total_timesteps=128", "algo.n_steps=64", cwd=cwd).returncode == 0
    (run,) = run_folders(cwd / "runs")
    return run


def run_with(task: str, phase: str, error: BaseException, tmp_path, monkeypatch, source):
    cls, args = TASKS[task]

    def raise_it(self, *_, **__):
        raise error

    monkeypatch.setattr(cls, phase, raise_it)
    extra = [f"source={source}"] if task == "evaluate" else []
    return run_cli(*args, *extra, cwd=tmp_path)


@pytest.mark.slow
@pytest.mark.xdist_group("lifecycle")
@pytest.mark.parametrize("phase", ["identity", "hparams", "work", "results"])
@pytest.mark.parametrize("task", sorted(TASKS))
def test_an_error_in_any_phase_after_start_ends_the_summary_as_failed(
    task, phase, tmp_path, monkeypatch, trained_agent
):
    result = run_with(task, phase, RuntimeError("injected"), tmp_path, monkeypatch, trained_agent)
    assert result.returncode == 1, result.stderr[-2000:]
    (run,) = run_folders(tmp_path / "runs")
    summary = read_summary(run)
    assert summary["status"] == "failed" and summary["error"] == "RuntimeError: injected"
    assert "finished_at" in summary and summary["task"] == task


@pytest.mark.xdist_group("lifecycle")
@pytest.mark.parametrize("error", sorted(ERRORS))
@pytest.mark.parametrize("task", sorted(TASKS))
def test_the_way_the_work_stops_is_the_summarys_status_and_the_exit_code(
    task, error, tmp_path, monkeypatch, trained_agent
):
    raised, status, code = ERRORS[error]
    result = run_with(task, "work", raised, tmp_path, monkeypatch, trained_agent)
    assert result.returncode == code, result.stderr[-2000:]
    (run,) = run_folders(tmp_path / "runs")
    assert read_summary(run)["status"] == status


@pytest.mark.xdist_group("lifecycle")
@pytest.mark.parametrize("phase", ["check", "build"])
@pytest.mark.parametrize("task", sorted(TASKS))
def test_bad_input_found_before_the_start_leaves_no_run_folder(
    task, phase, tmp_path, monkeypatch, trained_agent
):
    result = run_with(task, phase, ConfigError("injected"), tmp_path, monkeypatch, trained_agent)
    assert result.returncode == 2 and result.stderr.strip() == "rl-evolve: error: injected"
    left = [p for p in (tmp_path / "runs").rglob("*") if p.is_file()] if (tmp_path / "runs").exists() else []
    assert left == []
