"""docs/environments.md's "Adding an environment" walk-through, performed as written.

The files and commands come from the page itself, so the two cannot drift apart. The files go
into a user's own project folder and the commands run from there, in this process; one run of a
third-party env goes through the project installed as it is (not editable) into a temporary folder.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import run_cli, run_subprocess

ROOT = Path(__file__).resolve().parents[2]
FAST = [
    "total_timesteps=300",
    "eval.freq=150",
    "eval.n_episodes=1",
    "checkpoint.freq=150",
    "progress_bar=false",
]
# PPO's rollouts for an env without a tuned table are SB3's 2048 steps; the walk-through's runs
# with PPO get short ones through the table a user's env YAML would hold (DQN's runs ignore it).
SHORT_PPO = [
    "++env.hyperparams.ppo.n_steps=64",
    "++env.hyperparams.ppo.batch_size=64",
    "++env.hyperparams.ppo.n_epochs=2",
]


def readme_blocks() -> dict[str, str]:
    text = (ROOT / "docs" / "environments.md").read_text()
    found = re.findall(r"<!-- walkthrough: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.S)
    return dict(found)


@pytest.fixture
def project_with(tmp_path):
    """``project_with(files)``: a user's project folder holding ``files``."""

    def _make(files: dict[str, str]) -> Path:
        for rel, content in files.items():
            (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / rel).write_text(content)
        return tmp_path

    return _make


@pytest.mark.slow
def test_readme_walkthrough_adds_an_env_with_one_py_and_one_yaml(project_with):
    blocks = readme_blocks()
    files = {k: v for k, v in blocks.items() if k != "commands"}
    assert set(files) == {"hover.py", "myconf/env/hover.yaml"}
    work = project_with(files)
    commands = [shlex.split(line) for line in blocks["commands"].strip().splitlines()]
    assert len(commands) == 3
    for command in commands:  # in this process: the other test starts the installed command
        assert command[0] == "rl-evolve"
        result = run_cli(*command[1:], *FAST, *SHORT_PPO, cwd=work)
        assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
    summaries = list((work / "runs").rglob("summary.json"))
    assert len(summaries) == 1 + 1 + 4  # a run, a scheduled run, a 2x2 sweep
    logged = {p.parent.parent for p in (work / "runs").rglob("tb/events.out.tfevents.*")}
    assert logged == {p.parent for p in summaries}


@pytest.mark.slow
@pytest.mark.xdist_group("installed_site")
def test_a_registered_third_party_env_runs_from_yaml_alone(project_with, installed_site):
    work = project_with(
        {
            "myconf/env/frozenlake.yaml": "name: frozenlake\nid: FrozenLake-v1\n",
            "myconf/env/taxi.yaml": (
                "name: taxi\nid: thirdparty/Taxi-v0\n"
                "entry_point: gymnasium.envs.toy_text.taxi:TaxiEnv\n"
                "max_episode_steps: 100\n"
            ),
        }
    )
    mine = ["--config-dir", "myconf"]
    # the installed command, end to end: rl-evolve as `pip install .` puts it, from the project folder
    result = run_subprocess(
        *mine, "algo=dqn", "env=frozenlake", *FAST, cwd=work, env={"PYTHONPATH": str(installed_site)}
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # the rest needs no new interpreter: the same project folder, in this process
    result = run_cli(*mine, "algo=dqn", "env=taxi", *FAST, cwd=work)
    assert result.returncode == 0, result.stderr[-2000:]
    result = run_cli(*mine, "env=taxi", "env.dynamics.gravity=1", *FAST, cwd=work)
    assert result.returncode == 2 and "unknown key" in result.stderr
    result = run_cli(*mine, "env=taxi", "dynamics=cartpole_longer_pole", *FAST, cwd=work)
    assert result.returncode == 2 and "has no dynamics_spec" in result.stderr
