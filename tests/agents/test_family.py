"""Every algorithm of the SB3 family trains through the command line, resumes to a larger budget
and transfers into itself; a pair that cannot work is refused in one line."""

from __future__ import annotations

import pytest

from tests.conftest import read_summary, run_cli, run_folders

QUICK = [
    "progress_bar=false",
    "eval.n_episodes=1",
    "eval.freq=100",
    "checkpoint.freq=100",
    "total_timesteps=200",
]
ON_POLICY = ["algo.n_steps=32", "n_envs=2", "algo.net_arch=[16]"]
OFF_POLICY = [
    "algo.learning_starts=50",
    "algo.buffer_size=500",
    "algo.batch_size=32",
    "algo.train_freq=4",
    "algo.gradient_steps=1",
    "algo.net_arch=[16]",
]
FAMILY = {
    "ppo": ("cartpole", [*ON_POLICY, "algo.batch_size=32"]),
    "a2c": ("cartpole", ON_POLICY),
    "trpo": ("cartpole", [*ON_POLICY, "algo.batch_size=32"]),
    "recurrent_ppo": ("cartpole", [*ON_POLICY, "algo.batch_size=32"]),
    "ars": ("cartpole", []),  # zoo's LinearPolicy on CartPole
    "dqn": ("cartpole", OFF_POLICY),
    "qrdqn": ("cartpole", OFF_POLICY),
    "sac": ("pendulum", OFF_POLICY),
    "td3": ("pendulum", OFF_POLICY),
    "ddpg": ("pendulum", OFF_POLICY),
    "tqc": ("pendulum", OFF_POLICY),
    "crossq": ("pendulum", OFF_POLICY),
}


@pytest.mark.slow
@pytest.mark.parametrize("algo", sorted(FAMILY))
def test_each_algorithm_trains_resumes_and_transfers_into_itself(algo, tmp_path):
    env, tiny = FAMILY[algo]
    args = [f"algo={algo}", f"env={env}", *QUICK, *tiny]
    first = run_cli(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    (run,) = run_folders(tmp_path / "runs")
    assert read_summary(run)["status"] == "completed" and read_summary(run)["algo"] == algo

    resumed = run_cli(f"resume={run}", "total_timesteps=300", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert read_summary(run)["timesteps"] >= 300 and read_summary(run)["segments"] == 2

    (tmp_path / "into").mkdir()
    moved = run_cli(*args, f"transfer.source={run}", "transfer=trunk", "seed=1", cwd=tmp_path / "into")
    assert moved.returncode == 0, moved.stderr[-2000:]
    assert "tensors copied" in moved.stdout and "0 tensors copied" not in moved.stdout


def compatible_pairs() -> list[tuple[str, str]]:
    box = {"pendulum", "mountaincar_continuous"}
    envs = ["cartpole", "acrobot", "mountaincar", "mountaincar_continuous", "pendulum", "lunarlander"]
    continuous_only, discrete_only = {"crossq", "ddpg", "sac", "td3", "tqc"}, {"dqn", "qrdqn"}
    return [
        (a, e)
        for a in sorted(FAMILY)
        for e in envs
        if not (a in continuous_only and e not in box) and not (a in discrete_only and e in box)
    ]


@pytest.mark.parametrize(("algo", "env"), compatible_pairs())
def test_every_shipped_default_builds_as_typed(composed, algo, env, tmp_path):
    from rl_evolve.tasks.train import Train

    cfg = composed(f"algo={algo}", f"env={env}")
    task = Train(cfg, tmp_path)
    task.check()
    task.build()  # the tuned table's every key reaches the algorithm's constructor
    task.close()


def test_a_recurrent_policy_refuses_a_non_recurrent_transfer_source(tmp_path):
    first = run_cli("algo=ppo", *QUICK, *FAMILY["ppo"][1], cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (run,) = run_folders(tmp_path / "runs")
    result = run_cli(
        "algo=recurrent_ppo",
        *QUICK,
        *FAMILY["recurrent_ppo"][1],
        f"transfer.source={run}",
        "transfer=trunk",
        cwd=tmp_path,
    )
    assert result.returncode == 2 and "non-recurrent policy and this one is recurrent" in result.stderr
