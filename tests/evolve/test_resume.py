"""A killed deployment resumes from its last snapshot and ends as if it had never stopped."""

from __future__ import annotations

import csv

import pytest
from stable_baselines3 import DQN, PPO

from rl_evolve.evolve import snapshot
from rl_evolve.evolve.world import DeploymentLog, World
from tests.conftest import read_summary, run_cli, run_folders
from tests.evolve.test_task import TINY


@pytest.fixture(scope="module")
def champion(tmp_path_factory):
    path = tmp_path_factory.mktemp("champion") / "ppo.zip"
    PPO("MlpPolicy", "CartPole-v1", n_steps=64, batch_size=64, n_epochs=2, seed=0).learn(512).save(path)
    return path


def killed_at(steps: int, monkeypatch, *args: str, cwd):
    """Runs the CLI with ``args``, interrupted (as Ctrl-C or a scheduler's SIGINT would) once
    the world has taken ``steps`` steps."""
    real = World.play

    def play(self, *a, **kw):
        if self.log.steps >= steps:
            raise KeyboardInterrupt
        return real(self, *a, **kw)

    monkeypatch.setattr(World, "play", play)
    try:
        return run_cli(*args, cwd=cwd)
    finally:
        monkeypatch.setattr(World, "play", real)


def deployed(tmp_path, experiment: str, *overrides: str, kill_at: int | None = None, monkeypatch=None):
    args = (*TINY, f"experiment={experiment}", "evolve.snapshot_every=5", *overrides)
    if kill_at is None:
        result = run_cli(*args, cwd=tmp_path)
    else:
        result = killed_at(kill_at, monkeypatch, *args, cwd=tmp_path)
    (run,) = run_folders(tmp_path / "runs" / experiment)
    return result, run


@pytest.mark.parametrize("strategy", ["static", "evolve"])
def test_a_killed_deployment_resumes_and_ends_as_an_unbroken_one(strategy, champion, tmp_path, monkeypatch):
    common = (f"evolve.strategy={strategy}", f"evolve.champion={champion}")
    full, unbroken = deployed(tmp_path, "unbroken", *common)
    assert full.returncode == 0, full.stderr
    killed, run = deployed(tmp_path, "killed", *common, kill_at=700, monkeypatch=monkeypatch)
    assert killed.returncode == 130 and read_summary(run)["status"] == "interrupted"
    assert f"rl-evolve resume={run}" in killed.stderr
    resumed = run_cli(f"resume={run}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed at world step" in resumed.stdout
    summary = read_summary(run)
    assert summary["status"] == "completed" and summary["timesteps"] == 1500
    ours, theirs = ((r / "episodes.csv").read_text() for r in (run, unbroken))
    assert ours == theirs, "same episodes, returns, versions and physics as the run that never stopped"
    assert summary["alarms"] == read_summary(unbroken)["alarms"]


def test_resuming_a_completed_deployment_is_refused_in_one_line(champion, tmp_path):
    full, run = deployed(tmp_path, "done", f"evolve.champion={champion}")
    assert full.returncode == 0, full.stderr
    again = run_cli(f"resume={run}", cwd=tmp_path)
    assert again.returncode == 2
    (line,) = again.stderr.strip().splitlines()
    assert "completed its deployment" in line


def test_an_oracle_deployment_is_not_resumed(champion, tmp_path, monkeypatch):
    killed, run = deployed(
        tmp_path,
        "oracle",
        "evolve.strategy=oracle",
        f"evolve.champion={champion}",
        kill_at=10**9,
        monkeypatch=monkeypatch,
    )
    again = run_cli(f"resume={run}", cwd=tmp_path)
    assert again.returncode == 2
    (line,) = again.stderr.strip().splitlines()
    assert "an oracle one is started again" in line


def test_a_continual_deployments_snapshots_do_not_change_what_it_plays(tmp_path):
    from tests.evolve.test_task import DQN_TINY, WORLD

    args = [*WORLD, *DQN_TINY, "evolve.strategy=continual", "evolve.best_return=500"]
    for every in (5, 10**6):
        result = run_cli(*args, f"evolve.snapshot_every={every}", f"experiment=every{every}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    runs = [run_folders(tmp_path / "runs" / f"every{every}")[0] for every in (5, 10**6)]
    assert (runs[0] / "checkpoints" / "continual.zip").is_file()
    assert not (runs[1] / "checkpoints" / "continual.zip").is_file()
    assert (runs[0] / "episodes.csv").read_text() == (runs[1] / "episodes.csv").read_text()


def test_a_killed_continual_deployment_resumes_its_learner_with_its_replay_and_schedule(
    tmp_path, monkeypatch
):
    from tests.evolve.test_task import DQN_TINY, WORLD

    args = [
        *WORLD,
        *DQN_TINY,
        "evolve.strategy=continual",
        "evolve.best_return=500",
        "evolve.snapshot_every=5",
    ]
    unbroken = run_cli(*args, "experiment=unbroken", cwd=tmp_path)
    assert unbroken.returncode == 0, unbroken.stderr
    real = DeploymentLog.step

    def step(self, action):  # killed inside SB3's learn, as Ctrl-C would
        if self.steps >= 800:
            raise KeyboardInterrupt
        return real(self, action)

    monkeypatch.setattr(DeploymentLog, "step", step)
    killed = run_cli(*args, "experiment=killed", cwd=tmp_path)
    monkeypatch.setattr(DeploymentLog, "step", real)
    assert killed.returncode == 130, killed.stderr
    (run,) = run_folders(tmp_path / "runs" / "killed")
    at = snapshot.load(run / "checkpoints")["world"]["log"]["steps"]
    learner = DQN.load(run / "checkpoints" / "continual.zip")
    assert 0 < at < 800 and learner.num_timesteps == at, "the learner is saved with the snapshot"
    assert (run / "checkpoints" / "continual_replay.pkl").is_file()
    resumed = run_cli(f"resume={run}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    summary = read_summary(run)
    assert summary["status"] == "completed" and summary["timesteps"] == 1500
    (whole,) = run_folders(tmp_path / "runs" / "unbroken")
    changed = [[c["episode"] for c in read_summary(r)["changes"]] for r in (run, whole)]
    assert changed[0] == changed[1], "the schedule's clock went on from where it was"
    ours, theirs = (DQN.load(r / "checkpoints" / "v1.zip") for r in (run, whole))
    assert ours.num_timesteps == theirs.num_timesteps == 1500
    assert ours.exploration_rate == theirs.exploration_rate, "the exploration schedule went on, not again"
    before = [r for r in csv.DictReader((run / "episodes.csv").open()) if int(r["end_step"]) <= at]
    assert before and before == [r for r in csv.DictReader((whole / "episodes.csv").open())][: len(before)]


DYNA = ["evolve.dyna_updates=1", "evolve.dyna_every=200", "evolve.dyna_starts=200"]


@pytest.mark.parametrize("dyna", [[], DYNA], ids=["shadow", "shadow_with_dyna"])
def test_a_killed_shadow_deployment_resumes_with_its_shadow_and_replay(dyna, tmp_path, monkeypatch):
    from tests.evolve.test_task import DQN_TINY, WORLD

    overrides = [
        *WORLD,
        *DQN_TINY,
        "evolve.shadow=true",
        "evolve.gate_every=8",
        "evolve.best_return=500",
        "evolve.snapshot_every=5",
        "experiment=shadow",
        *dyna,
    ]
    killed = killed_at(700, monkeypatch, *overrides, cwd=tmp_path)
    assert killed.returncode == 130, killed.stderr
    (run,) = run_folders(tmp_path / "runs" / "shadow")
    saved = {p.name for p in (run / "checkpoints").iterdir()}
    assert {"shadow.zip", "shadow_replay.pkl", "deployment.pkl"} <= saved
    resumed = run_cli(f"resume={run}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    summary = read_summary(run)
    assert summary["timesteps"] == 1500 and summary["shadow"]["transitions"] == 1500, (
        "the shadow saw every step, those before the snapshot in the killed run and the rest after"
    )
    if dyna:
        planned = summary["shadow"]["dyna"]
        assert planned["gradient_steps"] > 0 and planned["model_fits"] >= 2
        assert summary["training_steps"] == 0, "planning acts in no world step"


def test_a_deployment_killed_while_its_shadow_serves_resumes_inside_the_takeover(tmp_path, monkeypatch):
    from tests.evolve.test_task import TAKEOVER, WORLD

    overrides = [
        *WORLD,
        *TAKEOVER,
        "evolve.snapshot_every=5",
        "experiment=takeover",
    ]
    killed = killed_at(800, monkeypatch, *overrides, cwd=tmp_path)
    assert killed.returncode == 130, killed.stderr
    (run,) = run_folders(tmp_path / "runs" / "takeover")
    taken = snapshot.load(run / "checkpoints")["deployment"]["takeover"]
    assert taken is not None, "the last snapshot was taken while the shadow learner served"
    resumed = run_cli(f"resume={run}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    summary = read_summary(run)
    assert summary["status"] == "completed" and summary["timesteps"] == 1500
    assert any(a["trigger"] == "takeover" and a["step"] > taken["since"] for a in summary["adaptations"]), (
        "the resumed deployment went on screening the takeover it was killed in"
    )
