"""task=tune: trials on several seeds, pruning, a study that resumes and is shared, best parameters
that rl-evolve takes back."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import optuna
import pytest
import yaml

from rl_evolve.tasks.tune import Objective
from tests.conftest import read_summary, run_cli, run_folders

# zoo's DQN space, less its slowest corners (1000 gradient steps of 512 samples at a time)
TINY = [
    "task=tune",
    "total_timesteps=300",
    "eval.freq=100",
    "eval.n_episodes=2",
    "tune.seeds=[0,1]",
    "tune.n_startup_trials=1",
    "tune.warmup_steps=0",
    "tune.dir=study",
    "tune.space.train_freq.choices=[4,16]",
    "tune.space.batch_size.choices=[16,64]",
]


def study_trials(folder) -> list[dict]:
    with open(folder / "trials.csv") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_a_study_leaves_its_trials_a_table_plots_and_the_best_parameters(tmp_path, recwarn):
    result = run_cli(*TINY, "tune.n_trials=2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [w for w in recwarn if issubclass(w.category, optuna.exceptions.ExperimentalWarning)]
    study = tmp_path / "study"
    rows = study_trials(study)
    assert [r["number"] for r in rows] == ["0", "1"]
    assert {r["state"] for r in rows} <= {"COMPLETE", "PRUNED"} and rows[0]["state"] == "COMPLETE"
    assert (study / "study.db").is_file() and (study / "history.png").stat().st_size > 0
    first = [read_summary(study / "trials" / "0000" / f"s{s}") for s in (0, 1)]
    assert [s["seed"] for s in first] == [0, 1] and all(s["status"] == "completed" for s in first)
    assert float(rows[0]["value"]) == sum(s["final_eval"]["mean"] for s in first) / 2
    assert (study / "trials" / "0000" / "s0" / ".hydra" / "config.yaml").is_file()
    assert list((study / "trials" / "0000" / "s0" / "tb").iterdir()), "each trial run logs to TensorBoard"
    (worker,) = run_folders(tmp_path / "runs")
    best = read_summary(worker)
    assert best["status"] == "completed" and best["best_value"] == max(
        float(r["value"]) for r in rows if r["state"] == "COMPLETE"
    )
    reuse = [line for line in result.stdout.splitlines() if line.startswith("train with the best")]
    assert reuse and f"hydra.searchpath=[file://{study.resolve()}]" in reuse[0]
    composed = run_cli(
        "algo=dqn",
        f"hydra.searchpath=[file://{study.resolve()}]",
        "+tuned=best",
        "--cfg",
        "job",
        "--resolve",
        cwd=tmp_path,
    )
    assert composed.returncode == 0, composed.stderr
    algo = yaml.safe_load(composed.stdout)["algo"]
    assert {k: algo[k] for k in best["best_algo"]} == best["best_algo"]


@pytest.mark.slow
def test_a_study_run_again_continues_from_its_storage(tmp_path):
    one_seed = [*TINY, "tune.seeds=[0]"]
    assert run_cli(*one_seed, "tune.n_trials=1", cwd=tmp_path).returncode == 0
    before = (tmp_path / "study" / "trials" / "0000" / "s0" / "summary.json").read_text()
    result = run_cli(*one_seed, "tune.n_trials=2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 of 2 trials finished" in result.stdout
    assert [r["number"] for r in study_trials(tmp_path / "study")] == ["0", "1"]
    assert (tmp_path / "study" / "trials" / "0000" / "s0" / "summary.json").read_text() == before


@pytest.mark.slow
def test_two_workers_share_one_study(tmp_path):
    result = run_cli(
        "-m",
        *TINY,
        "tune.seeds=[0]",
        "tune.n_trials=2",
        "tune.worker=0,1",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    workers = [read_summary(w) for w in run_folders(tmp_path / "runs")]
    assert sorted(w["worker"] for w in workers) == [0, 1] and all(w["status"] == "completed" for w in workers)
    storage = optuna.load_study(study_name="dqn_cartpole", storage=workers[0]["storage"])
    done = [t for t in storage.trials if t.state.is_finished()]
    assert 2 <= len(done) <= 3, "each worker stops once the study has n_trials (one may be mid-trial)"


def test_a_pruned_trial_stops_its_run_there_and_its_folder_says_so(tmp_path, composed):
    cfg = composed(*TINY, "tune.n_trials=1", f"tune.dir={tmp_path / 'study'}")
    study = optuna.create_study(
        direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=1e9, n_warmup_steps=0)
    )
    study.optimize(Objective(cfg), n_trials=1)
    (trial,) = study.trials
    assert trial.state == optuna.trial.TrialState.PRUNED
    run = tmp_path / "study" / "trials" / "0000" / "s0"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "pruned" and summary["timesteps"] < 300
    assert trial.user_attrs["env_steps"] == summary["timesteps"]
    assert len(np.load(run / "evaluations.npz")["timesteps"]) == 1, "the evaluation it stopped on is kept"
    assert not [p for p in (run / "checkpoints").iterdir() if p.name.startswith(".")], "no temporaries"
    assert not (tmp_path / "study" / "trials" / "0000" / "s1").exists(), "the next seed never starts"
    shutil.rmtree(tmp_path / "study")
