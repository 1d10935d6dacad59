"""``task=evolve`` end to end with tiny budgets: every strategy spends the same world steps, the
loop records its versions, and a champion that does not fit the env is refused up front."""

from __future__ import annotations

import pytest
from stable_baselines3 import PPO
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rl_evolve.evolve.lineage import Lineage
from tests.conftest import read_summary, run_folders, run_in_process

BUDGET = 1500
TINY = ["task=evolve", "progress_bar=false", "total_timesteps=256", "n_envs=1",
        "algo.n_steps=64", "algo.batch_size=64", "algo.n_epochs=2", f"evolve.steps={BUDGET}",
        "evolve.adapt_steps=256", "evolve.model_steps=200", "evolve.recent_steps=200",
        "evolve.model_epochs=5",
        "evolve.gate_episodes=3", "+evolve.detector_params.warmup=3", "+evolve.detector_params.threshold=1",
        "dynamics=piecewise", "dynamics.unit=episodes",
        "dynamics.switches=[{at: 0, values: {length: 0.5}}, {at: 12, values: {length: 2.0}}]"]


def deploy(tmp_path, monkeypatch, capsys, *overrides: str):
    code, err = run_in_process([*TINY, *overrides], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    (run,) = run_folders(tmp_path / "runs")
    return run, read_summary(run)


def spent_exactly_the_budget(run, summary: dict) -> None:
    assert summary["status"] == "completed" and summary["timesteps"] == BUDGET
    assert sum(summary["steps_by_role"].values()) == BUDGET
    assert [c["to"]["length"] for c in summary["changes"]] == [2.0]
    for name in ("lineage.json", "episodes.csv", "deployment.png"):
        assert (run / name).is_file()


@pytest.mark.parametrize("strategy", ["static", "continual", "oracle"])
def test_every_baseline_spends_exactly_the_world_budget(strategy, tmp_path, monkeypatch, capsys):
    run, summary = deploy(tmp_path, monkeypatch, capsys, f"evolve.strategy={strategy}")
    spent_exactly_the_budget(run, summary)
    assert (summary["training_steps"] > 0) == (strategy != "static")


def test_the_evolve_loop_records_alarms_versions_and_decisions(tmp_path, monkeypatch, capsys):
    run, summary = deploy(tmp_path, monkeypatch, capsys)
    spent_exactly_the_budget(run, summary)
    lineage = Lineage.load(run / "lineage.json")
    assert summary["alarms"] and summary["adaptations"]
    challengers = [v for v in lineage.versions if v.origin == "challenger"]
    assert challengers and all(v.parent is not None and v.data_window and v.scores and v.decisions
                               for v in challengers)
    decisions = {d["decision"] for v in challengers for d in v.decisions}
    assert decisions <= {"promoted", "rejected", "rolled_back"}
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    assert {"evolve/return_in_service", "evolve/version", "evolve/alarm",
            "evolve/model_surprise"} <= set(acc.Tags()["scalars"])


def test_a_champion_for_another_envs_spaces_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    PPO("MlpPolicy", "Acrobot-v1", n_steps=64, batch_size=64).save(tmp_path / "acrobot.zip")
    code, err = run_in_process([*TINY, f"evolve.champion={tmp_path / 'acrobot.zip'}"], tmp_path,
                               monkeypatch, capsys)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert "evolve.champion" in line and "does not fit algo=ppo on env=cartpole" in line
    assert not (tmp_path / "runs").exists() or not any(p.is_file() for p in (tmp_path / "runs").rglob("*"))
