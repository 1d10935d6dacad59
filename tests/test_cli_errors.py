"""Every bad input fails before training: one line naming it, a non-zero exit, no run folder.

The messages are checked as the CLI makes them, in this process: Hydra's ``compose()`` builds the
config, the task's own checks run on it, and ``explain`` words the error. A few cases go through
the whole command (exit code, stderr, run folder), one of them in a fresh interpreter.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_module
from hydra.core.hydra_config import HydraConfig
from omegaconf import open_dict

from rl_evolve.cli import explain
from rl_evolve.config import register
from rl_evolve.tasks import run_task
from tests.conftest import run_cli, run_subprocess

CASES = {
    "unknown group option": (["algo=dqnn"], "unknown algo option 'dqnn'; did you mean 'dqn'?"),
    "unknown env option": (["env=cartpol"], "did you mean 'cartpole'?"),
    "typo in a key": (["algo.learnin_rate=1e-3"], "did you mean 'algo.learning_rate'?"),
    "unknown top-level key": (["sed=3"], "did you mean 'seed'?"),
    "value of the wrong type": (["algo.learning_rate=fast"], "algo.learning_rate"),
    "zero budget": (["total_timesteps=0"], "total_timesteps must be a positive integer"),
    "negative budget": (["total_timesteps=-5"], "total_timesteps must be a positive integer"),
    "unknown env id": (["env.id=CartPole-v9"], "unknown env id 'CartPole-v9'"),
    "dqn in a continuous env": (["algo=dqn", "env=pendulum"], "cannot act in env=pendulum"),
    "bad enum value": (["vec_env=threads"], "expected one of [dummy, subproc]"),
    "prioritized replay with ppo": (
        ["replay=prioritized"],
        "replay=prioritized works with algo=dqn, qrdqn, sac, td3",
    ),
    "resume of a folder that is no run": (["resume=nowhere"], "is not a run folder"),
    "unknown curriculum": (["curriculum=cartpole_pole"], "did you mean 'cartpole_pole_length'?"),
    "unknown transfer mode": (["transfer=frozen"], "did you mean 'frozen_trunk'?"),
    "penalty without transfer": (
        ["curriculum=cartpole_pole_length", "transfer=none", "transfer.penalty=l2sp"],
        "transfer=none starts every stage fresh",
    ),
    "transfer source that does not exist": (
        ["transfer.source=nowhere"],
        "is neither an SB3 .zip nor a run folder",
    ),
    "curriculum with a supervised task": (
        ["curriculum=cartpole_pole_length", "task=supervised"],
        "curriculum= does not apply to this task (",
    ),
    **{
        f"{algo} on {env}": ([f"algo={algo}", f"env={env}"], f"algo={algo} cannot act in env={env}")
        for algo, env in [
            ("sac", "cartpole"),
            ("td3", "acrobot"),
            ("ddpg", "mountaincar"),
            ("tqc", "cartpole"),
            ("crossq", "lunarlander"),
            ("qrdqn", "pendulum"),
            ("dqn", "mountaincar_continuous"),
        ]
    },
    "typo in a MuJoCo body": (
        ["env=hopper", "env.dynamics.mass.torsoo=2"],
        "did you mean 'env.dynamics.mass.torso'?",
    ),
    "typo in an added MuJoCo body": (
        ["env=hopper", "+env.dynamics.mass.torsoo=2"],
        "did you mean 'mass.torso'?",
    ),
    "MuJoCo body mass out of bounds": (
        ["env=hopper", "env.dynamics.mass.torso=20"],
        "env.dynamics.mass.torso=20 is outside its bounds [0.1, 10.0]",
    ),
    "a parameter that cannot act in the env": (
        ["env=reacher", "env.dynamics.gravity=3"],
        "unknown key 'env.dynamics.gravity'",
    ),
    "ewc with a deterministic policy": (
        ["curriculum=pendulum_mass", "algo=td3", "transfer.penalty=ewc"],
        "algo=td3's policy is deterministic",
    ),
    "a value that needs quotes": (
        ["task=evaluate", "source=runs/x/seed=0,total_timesteps=500"],
        "needs quotes: \"source='runs/x/seed=0,total_timesteps=500'\"",
    ),
    "conflicting hydra modes": (["-m", "seed=0,1", "--cfg", "job"], "Only one of --run, --multirun"),
    "stage dynamics the env does not have": (
        ["curriculum=cartpole_pole_length", "curriculum.stages.0.dynamics.wind=3"],
        "wind",
    ),
    "typo in a dynamics parameter": (["env.dynamics.lenght=1.0"], "did you mean 'env.dynamics.length'?"),
    "typo in one table of a drift": (
        ["dynamics=linear", "+dynamics.start.gravty=5", "+dynamics.end.gravity=15"],
        "only dynamics.start has gravty",
    ),
    "ppo rollout smaller than a mini-batch": (["n_envs=2"], "set algo.n_steps=128"),
    "unknown change detector": (
        ["task=evolve", "evolve/detector=cusm"],
        "unknown evolve/detector option 'cusm'; did you mean 'cusum'?",
    ),
    "a detector named as a value": (
        ["task=evolve", "evolve.detector=adwin"],
        "evolve.detector is a config group: evolve/detector=adwin",
    ),
    "champion that is neither a run nor a zip": (
        ["task=evolve", "evolve.champion=nowhere"],
        "evolve.champion 'nowhere' is neither an SB3 .zip",
    ),
    "gate of one episode": (
        ["task=evolve", "evolve.gate_episodes=1"],
        "evolve.gate_episodes must be at least 2",
    ),
    "unknown strategy": (["task=evolve", "evolve.strategy=evolv"], "evolve.strategy"),
    "unknown parameter in a search space": (
        ["task=tune", "tune.space={learnin_rate: {type: float, low: 0.1, high: 1}}"],
        "did you mean 'tune.space.learning_rate'?",
    ),
    "search space of another algorithm": (
        ["task=tune", "algo=ppo", "tune=dqn"],
        "unknown tune.space key (a field of algo=ppo) 'buffer_size'",
    ),
    "empty range in a search space": (
        ["task=tune", "tune.space.learning_rate.high=1e-6"],
        "tune.space.learning_rate: empty range",
    ),
    "log range from zero": (
        ["task=tune", "tune.space.exploration_fraction.log=true"],
        "tune.space.exploration_fraction: a log range needs low > 0",
    ),
    "unknown sampler": (["task=tune", "tune.sampler=cmaes"], "expected one of [tpe, random]"),
    "evaluation without a source": (["task=evaluate"], "task=evaluate needs source=<run folder or SB3 .zip>"),
    "evaluation of a source that is not there": (
        ["task=evaluate", "source=nowhere.zip"],
        "source 'nowhere.zip' is neither an SB3 .zip",
    ),
    "typo in a grid parameter": (
        ["task=evaluate", "source=nowhere.zip", "+eval.grid.lenght=[1,2]"],
        "did you mean 'length'?",
    ),
    "grid value outside the bounds": (
        ["task=evaluate", "source=nowhere.zip", "+eval.grid.length=[99]"],
        "eval.grid.length=99.0 is outside its bounds",
    ),
    "unknown pruner": (["task=tune", "tune.pruner=hyperband"], "expected one of [median, halving, none]"),
    "storage that cannot be opened": (
        ["task=tune", "tune.storage=notaurl"],
        "tune.storage 'notaurl' cannot be opened",
    ),
}
if not torch.cuda.is_available():
    CASES["a gpu that is not there"] = (["device=cuda"], "torch sees no GPU here")
# Command-line flags of Hydra's own, which compose() does not take.
CLI_ONLY = {"conflicting hydra modes", "a value that needs quotes"}  # the command line parses these


def refusal(overrides: list[str], run_dir: Path) -> str:
    """What ``rl-evolve <overrides>`` says of them: the config composed as Hydra's app composes
    it (with its ``hydra`` node, read by ``resume=``), the task run on it until it refuses."""
    register()
    try:
        with initialize_config_module("rl_evolve.conf", version_base="1.3"):
            cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
            HydraConfig.instance().set_config(cfg)
            with open_dict(cfg):
                del cfg["hydra"]  # as Hydra's run_job hands the config to the app
            run_task(cfg, run_dir)
    except Exception as exc:  # noqa: BLE001 - the error under test
        message = explain(exc)
        assert message is not None, f"{overrides}: a traceback, not a message: {exc!r}"
        return message
    raise AssertionError(f"{overrides} were accepted")


@pytest.mark.parametrize("case", sorted(set(CASES) - CLI_ONLY))
def test_bad_input_is_refused_in_one_line_that_names_it(case, tmp_path):
    overrides, expected = CASES[case]
    message = refusal(overrides, tmp_path / "run")
    assert expected in message and "\n" not in message, message


@pytest.mark.parametrize(
    "case",
    [
        "unknown top-level key",
        "zero budget",
        "a value that needs quotes",
        "resume of a folder that is no run",
        "conflicting hydra modes",
        "curriculum with a supervised task",
    ],
)
def test_the_command_exits_2_with_one_line_and_leaves_no_run_folder(case, tmp_path):
    overrides, expected = CASES[case]
    result = run_cli(*overrides, cwd=tmp_path)
    code, err = result.returncode, result.stderr
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rl-evolve: error: ") and expected in lines[0], lines[0]
    leftovers = (
        [p for p in (tmp_path / "runs").rglob("*") if p.is_file()] if (tmp_path / "runs").exists() else []
    )
    assert leftovers == []


def test_the_installed_command_reports_bad_input_in_one_line(tmp_path):
    """The same path end to end, through a fresh interpreter, for one case."""
    result = run_subprocess("algo=dqnn", cwd=tmp_path, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "rl-evolve: error: unknown algo option 'dqnn'; did you mean 'dqn'? valid: dqn, qrdqn, td3, tqc, "
        "ddpg, crossq, recurrent_ppo, a2c, ars, ppo, sac, trpo"
    ]
