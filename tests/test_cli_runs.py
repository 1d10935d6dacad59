"""End-to-end runs of the CLI with tiny budgets: what a run folder holds, and run management."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stable_baselines3 import DQN, PPO
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rl_evolve.tracking.callbacks import StopOnInterrupt
from tests.conftest import FAST, FAST_DQN, FAST_PPO, read_summary, run_cli, run_folders


def scalar_steps(run, tag: str) -> list[int]:
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    return [e.step for e in acc.Scalars(tag)] if tag in acc.Tags()["scalars"] else []


@pytest.fixture(scope="module")
def finished_ppo(tmp_path_factory):
    """One finished tiny PPO run, shared; tests that write into a run take ``copy_of`` it."""
    cwd = tmp_path_factory.mktemp("finished")
    result = run_cli(*FAST_PPO, cwd=cwd)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(cwd / "runs")
    return run, result


def copy_of(run, tmp_path):
    target = tmp_path / "runs" / "default" / run.name
    shutil.copytree(run, target)
    return target


@pytest.mark.parametrize(("overrides", "algo_cls"), [(FAST_PPO, PPO), (FAST_DQN, DQN)], ids=["ppo", "dqn"])
def test_a_run_leaves_config_tensorboard_checkpoints_and_summary(tmp_path, overrides, algo_cls):
    result = run_cli(*overrides, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(tmp_path / "runs")
    assert run.parent.name == "default" and run.name.endswith(f"_{algo_cls.__name__.lower()}_cartpole_s0")
    assert (run / ".hydra" / "config.yaml").is_file() and (run / ".hydra" / "overrides.yaml").is_file()
    for name in ("last.zip", "best_model.zip"):
        model = algo_cls.load(run / "checkpoints" / name)  # plain SB3 load, no rl_evolve needed
        assert model.num_timesteps > 0
    assert not [p.name for p in (run / "checkpoints").iterdir() if p.name.startswith(".")]  # no temporaries
    summary = read_summary(run)
    assert summary["status"] == "completed" and summary["timesteps"] >= 512
    assert set(summary["final_eval"]) == {"mean", "std", "n_episodes"}
    assert set(summary["best_eval"]) == {"mean", "std", "timestep"}
    assert summary["wall_time_s"] > 0 and summary["fps"] > 0 and summary["seed"] == 0
    assert {"torch", "stable-baselines3", "gymnasium", "hydra-core"} <= set(summary["versions"])
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent
    ).stdout.strip()
    assert (summary["git_revision"] or "").removesuffix("-dirty") == head
    assert scalar_steps(run, "eval/mean_reward"), "periodic evaluation is logged to TensorBoard"
    assert f"tensorboard --logdir {run.parent}" in result.stdout


def test_same_config_and_seed_give_the_same_evaluation_returns(tmp_path):
    finals = []
    for i in range(2):
        result = run_cli(*FAST_DQN, "seed=7", f"experiment=repro{i}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        (run,) = run_folders(tmp_path / "runs" / f"repro{i}")
        finals.append((read_summary(run)["final_eval"], read_summary(run)["best_eval"]))
    assert finals[0] == finals[1]


@pytest.mark.xdist_group("finished_ppo")
def test_hyperparameters_reach_the_tensorboard_hparams_plugin(finished_ppo):
    run, _ = finished_ppo
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    assert "_hparams_/session_start_info" in acc.summary_metadata


@pytest.mark.slow
def test_ctrl_c_from_a_terminal_stops_a_run_with_subprocess_envs_cleanly(tmp_path):
    # A terminal sends SIGINT to the whole process group: the env workers receive it too.
    args = [*FAST_PPO, "total_timesteps=200000", "vec_env=subproc", "checkpoint.freq=500"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "rl_evolve", *args],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while not list((tmp_path / "runs").rglob("last.zip")) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    (run,) = run_folders(tmp_path / "runs")
    summary = read_summary(run)
    assert summary["status"] == "interrupted"
    assert f"continue with: rl-evolve resume={run}" in err  # Ctrl-C says how to go on
    assert "not of the same type" not in err  # SB3's warning about the in-process evaluation env
    saved = PPO.load(run / "checkpoints" / "last.zip")
    assert saved.num_timesteps == summary["timesteps"], "the checkpoint holds the step it stopped at"


def interrupted_in_process(args: list[str], cwd, monkeypatch) -> tuple:
    """The run a Ctrl-C after its first rolling checkpoint leaves, made in this process: the
    interrupt handler is called as the signal would call it (the test above sends a real one)."""
    real = StopOnInterrupt._on_step

    def on_step(self) -> bool:
        if not self.requested and self.n_calls % 32 == 0 and list((cwd / "runs").rglob("last.zip")):
            self._handle(signal.SIGINT, None)
        return real(self)

    with monkeypatch.context() as patched:
        patched.setattr(StopOnInterrupt, "_on_step", on_step)
        result = run_cli(*args, cwd=cwd)
    assert result.returncode == 130, result.stderr
    (run,) = run_folders(cwd / "runs")
    return run, read_summary(run)


@pytest.mark.slow
def test_ctrl_c_saves_a_checkpoint_and_resume_continues_the_step_axis(tmp_path, monkeypatch):
    args = [
        *FAST,
        "algo=dqn",
        "total_timesteps=60000",
        "algo.learning_starts=100",
        "algo.train_freq=16",
        "algo.gradient_steps=1",
        "checkpoint.freq=500",
    ]
    run, interrupted = interrupted_in_process(args, tmp_path, monkeypatch)
    assert interrupted["status"] == "interrupted" and 0 < interrupted["timesteps"] < 60000
    steps_before = scalar_steps(run, "eval/mean_reward")

    result = run_cli(f"resume={run}", "total_timesteps=1500", "progress_bar=false", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    resumed = read_summary(run)
    assert resumed["status"] == "completed" and resumed["timesteps"] >= 1500
    assert resumed["segments"] == 2
    steps_after = scalar_steps(run, "eval/mean_reward")
    assert steps_after[: len(steps_before)] == steps_before
    assert steps_after == sorted(steps_after) and steps_after[-1] > interrupted["timesteps"]
    assert (run / "progress.csv").is_file() and (run / "progress_resume1.csv").is_file()


@pytest.mark.slow
def test_a_run_killed_hard_resumes_from_its_rolling_checkpoint(tmp_path):
    args = [
        *FAST,
        "algo=dqn",
        "total_timesteps=60000",
        "algo.learning_starts=100",
        "algo.train_freq=16",
        "algo.gradient_steps=1",
        "checkpoint.freq=500",
        "eval.freq=500",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "rl_evolve", *args],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while not list((tmp_path / "runs").rglob("last.zip")) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    proc.kill()  # SIGKILL: no handler runs, nothing is saved on the way out
    proc.wait(timeout=30)
    (run,) = run_folders(tmp_path / "runs")
    assert read_summary(run)["status"] == "running"
    evaluated = scalar_steps(run, "eval/mean_reward")
    result = run_cli(f"resume={run}", "total_timesteps=2500", "progress_bar=false", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    resumed = read_summary(run)
    assert resumed["status"] == "completed" and resumed["timesteps"] >= 2500
    after = scalar_steps(run, "eval/mean_reward")
    assert after[: len(evaluated)] == evaluated and after == sorted(after)


@pytest.mark.slow
@pytest.mark.parametrize("vec_env", ["dummy", "subproc"])
def test_resume_continues_the_dynamics_schedule_where_it_stopped(tmp_path, vec_env, monkeypatch):
    switches = "dynamics.switches=[{at:0,values:{length:0.5}},{at:600,values:{length:1.0}}]"
    args = [
        *FAST_PPO,
        "total_timesteps=200000",
        "checkpoint.freq=1024",
        "eval.freq=100000",
        "dynamics=piecewise",
        "dynamics.apply_at=step",
        switches,
        f"vec_env={vec_env}",
    ]
    run, interrupted = interrupted_in_process(args, tmp_path, monkeypatch)
    stopped_at = interrupted["timesteps"]
    assert stopped_at >= 1024
    result = run_cli(
        f"resume={run}", f"total_timesteps={stopped_at + 1024}", "progress_bar=false", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    lengths = {e.step: e.value for e in acc.Scalars("dynamics/length")}
    assert lengths[min(lengths)] == pytest.approx(0.5)
    after = [v for step, v in lengths.items() if step > stopped_at]
    assert after and all(v == pytest.approx(1.0) for v in after), lengths


@pytest.mark.xdist_group("finished_ppo")
def test_resume_refuses_to_change_what_defines_the_run(tmp_path, finished_ppo):
    run = copy_of(finished_ppo[0], tmp_path)
    result = run_cli(f"resume={run}", "algo.learning_rate=1e-2", cwd=tmp_path)
    assert result.returncode == 2 and "cannot change algo.learning_rate" in result.stderr


@pytest.mark.xdist_group("finished_ppo")
def test_resume_of_a_corrupt_checkpoint_fails_with_one_line(tmp_path, finished_ppo):
    run = copy_of(finished_ppo[0], tmp_path)
    (run / "checkpoints" / "last.zip").write_bytes(b"not a zip")
    result = run_cli(f"resume={run}", "total_timesteps=1024", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("rl-evolve: error: checkpoint ") and "is corrupt" in line
    assert not (run / "resumes").exists()  # nothing left behind


@pytest.mark.xdist_group("finished_ppo")
def test_resuming_a_finished_run_is_refused_and_rewrites_nothing(tmp_path, finished_ppo):
    run = copy_of(finished_ppo[0], tmp_path)
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    result = run_cli(f"resume={run}", cwd=tmp_path)
    assert result.returncode == 2 and "completed its" in result.stderr, result.stderr
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before


def test_help_lists_config_groups_and_their_options(tmp_path):
    out = run_cli("--help", cwd=tmp_path).stdout
    family = "algo: a2c, ars, crossq, ddpg, dqn, ppo, qrdqn, recurrent_ppo, sac, td3, tqc, trpo"
    assert family in out and "cartpole" in out and "replay: " in out
    assert "evolve/detector: adwin, cusum, page_hinkley" in out, "a group inside a group is listed too"


def test_cfg_job_prints_the_composed_config(tmp_path):
    out = run_cli("--cfg", "job", "--resolve", "algo=dqn", cwd=tmp_path).stdout
    assert "name: dqn" in out and "learning_rate: 0.0023" in out


def test_dynamics_are_logged_to_tensorboard_on_the_step_axis(tmp_path):
    switches = "dynamics.switches=[{at:0,values:{length:0.5}},{at:256,values:{length:1.0}}]"
    result = run_cli(*FAST_PPO, "dynamics=piecewise", switches, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(tmp_path / "runs")
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    values = {e.step: e.value for e in acc.Scalars("dynamics/length")}
    assert values[min(values)] == pytest.approx(0.5) and values[max(values)] == pytest.approx(1.0)
