"""Sweeps leave the basic launcher for Ray and submitit and give the same runs, folder for folder."""

from __future__ import annotations

import numpy as np
import pytest
from hydra import compose, initialize_config_module

from rl_evolve.config import register
from tests.conftest import FAST_PPO, read_summary, run_cli, run_folders, run_subprocess

# one rollout, one evaluation on the way and the final one
SWEEP = ["-m", *FAST_PPO, "total_timesteps=256", "seed=0,1", "eval.deterministic=false"]


def _returns_by_seed(root) -> dict[int, tuple[float, list[float]]]:
    """Per seed: the final evaluation and every periodic evaluation episode's return."""
    runs = run_folders(root)
    assert len(runs) == 2 and all(read_summary(r)["status"] == "completed" for r in runs)
    return {
        read_summary(r)["seed"]: (
            read_summary(r)["final_eval"]["mean"],
            np.load(r / "evaluations.npz")["results"].ravel().tolist(),
        )
        for r in runs
    }


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory):
    """The sweep through Hydra's basic launcher (in this process): its runs folder."""
    cwd = tmp_path_factory.mktemp("basic")
    result = run_cli(*SWEEP, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return cwd / "runs"


@pytest.mark.xdist_group("basic_sweep")
def test_a_sweep_puts_each_run_in_a_folder_named_by_its_overrides(basic_sweep):
    runs = run_folders(basic_sweep)
    names = sorted(r.name for r in runs)
    assert len(runs) == 2 and all("seed:" in n for n in names) and names[0] != names[1]
    assert {read_summary(r)["seed"] for r in runs} == {0, 1}


@pytest.mark.xdist_group("basic_sweep")
def test_a_sweep_jobs_folder_is_passed_back_as_typed(basic_sweep, tmp_path):
    job = run_folders(basic_sweep)[0]
    result = run_cli("task=evaluate", f"source={job}", "eval.n_episodes=1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert read_summary(run_folders(tmp_path / "runs")[0])["source"] == str(job)


# Ray with one CPU: one worker process (one import of torch) runs both jobs in turn.
@pytest.mark.parametrize(
    "launcher",
    [
        [
            "hydra/launcher=ray",
            "+hydra.launcher.ray.init.num_cpus=1",
            "+hydra.launcher.ray.init.include_dashboard=false",
        ],
        ["hydra/launcher=submitit_local"],
    ],
    ids=["ray", "submitit_local"],
)
@pytest.mark.slow
@pytest.mark.xdist_group("basic_sweep")
def test_a_sweep_through_another_launcher_gives_the_basic_launchers_runs(tmp_path, basic_sweep, launcher):
    # Ray runs its workers niced: on a busy machine they wait, hence the longer limit.
    result = run_subprocess(*SWEEP, *launcher, cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stderr
    assert _returns_by_seed(tmp_path / "runs") == _returns_by_seed(basic_sweep)
    names = sorted(p.parent.name for p in (tmp_path / "runs").rglob("summary.json"))
    assert [n.split("seed:")[1].split("+")[0] for n in names] == ["0", "1"], (
        "each job's folder is named by its overrides, as with the basic launcher"
    )


def test_the_slurm_preset_composes_onto_submitits_slurm_launcher():
    register()
    with initialize_config_module("rl_evolve.conf", version_base="1.3"):
        cfg = compose(
            config_name="config",
            return_hydra_config=True,
            overrides=["hydra/launcher=slurm", "hydra.launcher.partition=cpu"],
        )
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.SlurmLauncher")
    assert (launcher.partition, launcher.cpus_per_task, launcher.timeout_min) == ("cpu", 1, 240)
    assert launcher.submitit_folder.endswith("/.submitit/%j")
