"""``task=evolve`` end to end with tiny budgets: every strategy spends the same world steps, the
loop records its versions, and a champion that does not fit the env is refused up front."""

from __future__ import annotations

import csv
import json

import pytest
from stable_baselines3 import PPO
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from rl_evolve.evolve.lineage import Lineage
from tests.conftest import read_summary, run_cli, run_folders

BUDGET = 1500
PPO_TINY = ["algo.n_steps=64", "algo.batch_size=64", "algo.n_epochs=2"]
WORLD = [
    "task=evolve",
    "progress_bar=false",
    "total_timesteps=256",
    "n_envs=1",
    f"evolve.steps={BUDGET}",
    "evolve.adapt_steps=256",
    "evolve.model_steps=200",
    "evolve.recent_steps=200",
    "evolve.model_epochs=5",
    "evolve.gate_episodes=3",
    "evolve.detector.warmup=3",
    "evolve.detector.threshold=1",
    "dynamics=piecewise",
    "dynamics.unit=episodes",
    "dynamics.switches=[{at: 0, values: {length: 0.5}}, {at: 12, values: {length: 2.0}}]",
]
TINY = [*WORLD, *PPO_TINY]


def deploy(tmp_path, *overrides: str, base: list[str] = TINY):
    result = run_cli(*base, *overrides, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(tmp_path / "runs")
    return run, read_summary(run)


def spent_exactly_the_budget(run, summary: dict) -> None:
    assert summary["status"] == "completed" and summary["timesteps"] == BUDGET
    assert sum(summary["steps_by_role"].values()) == BUDGET
    assert [c["to"]["length"] for c in summary["changes"]] == [2.0]
    for name in ("lineage.json", "episodes.csv", "deployment.png"):
        assert (run / name).is_file()


@pytest.mark.parametrize("strategy", ["static", "continual", "continual_restart", "oracle", "oracle_library"])
def test_every_baseline_spends_exactly_the_world_budget(strategy, tmp_path):
    run, summary = deploy(tmp_path, f"evolve.strategy={strategy}")
    spent_exactly_the_budget(run, summary)
    assert (summary["training_steps"] > 0) == (strategy != "static")


# A champion that balances a little, in a world whose pole becomes so short that it falls at
# once: its return drops measurably and the loop trains a challenger.
TRAINED = [
    "total_timesteps=2048",
    "evolve.steps=4000",
    "dynamics.switches=[{at: 0, values: {length: 0.5}}, {at: 8, values: {length: 0.1}}]",
]


@pytest.mark.slow
def test_the_evolve_loop_records_alarms_versions_and_decisions(tmp_path):
    run, summary = deploy(tmp_path, *TRAINED)
    assert summary["timesteps"] == sum(summary["steps_by_role"].values()) == 4000
    lineage = Lineage.load(run / "lineage.json")
    assert summary["alarms"] and summary["adaptations"]
    challengers = [v for v in lineage.versions if v.origin == "challenger"]
    assert challengers and all(
        v.parent is not None and v.data_window and v.scores and v.decisions for v in challengers
    )
    decisions = {d["decision"] for v in challengers for d in v.decisions}
    assert decisions <= {"promoted", "rejected", "rolled_back"}
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    assert {"evolve/return_in_service", "evolve/version", "evolve/alarm", "evolve/model_surprise"} <= set(
        acc.Tags()["scalars"]
    )
    champion = EventAccumulator(str(run / "tb" / "champion"))
    champion.Reload()
    assert "train/loss" in champion.Tags()["scalars"], "the champion's own training is a run of its own"


def test_a_champion_for_another_envs_spaces_is_refused_in_one_line(tmp_path):
    PPO("MlpPolicy", "Acrobot-v1", n_steps=64, batch_size=64).save(tmp_path / "acrobot.zip")
    result = run_cli(*TINY, f"evolve.champion={tmp_path / 'acrobot.zip'}", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "evolve.champion" in line and "does not fit algo=ppo on env=cartpole" in line
    assert not (tmp_path / "runs").exists() or not any(p.is_file() for p in (tmp_path / "runs").rglob("*"))


@pytest.mark.slow
def test_a_sabotaged_challenger_is_never_promoted(tmp_path, monkeypatch):
    import torch

    from rl_evolve.evolve import adaptation

    real_fine_tune = adaptation.fine_tune

    def sabotaged(*args, **kwargs):
        model = real_fine_tune(*args, **kwargs)
        with torch.no_grad():  # always push left: the pole falls in about 9 steps
            model.policy.action_net.weight.zero_()
            model.policy.action_net.bias.copy_(torch.tensor([10.0, -10.0]))
        return model

    monkeypatch.setattr(adaptation, "fine_tune", sabotaged)
    run, summary = deploy(tmp_path, *TRAINED)
    lineage = Lineage.load(run / "lineage.json")
    challengers = [v for v in lineage.versions if v.origin == "challenger"]
    assert challengers, "the deployment never adapted; the test would prove nothing"
    assert all(d["decision"] == "rejected" for v in challengers for d in v.decisions)
    assert lineage.champion == 0 and summary["promotions"] == []


def test_a_champion_below_the_level_is_adapted_without_an_alarm(tmp_path):
    # A barely trained champion measured against a return of 500: far below 0.8 of the scale,
    # in a world that never changes (so no detector has anything to see).
    run, summary = deploy(
        tmp_path,
        "dynamics.switches=[{at: 0, values: {length: 0.5}}]",
        "evolve.best_return=500",
        "evolve.improve_below=0.8",
        "evolve.detector.threshold=1000",
    )
    assert summary["timesteps"] == sum(summary["steps_by_role"].values()) == BUDGET
    assert not summary["alarms"]
    below = [a for a in summary["adaptations"] if a["trigger"] == "below_level"]
    assert below and all(a["champion_level"]["below"] for a in below)
    assert summary["training_steps"] > 0, "a challenger was fine-tuned"


def test_the_champion_may_be_any_algorithm(tmp_path):
    result = run_cli(
        "task=evolve",
        "algo=dqn",
        "progress_bar=false",
        "total_timesteps=300",
        "evolve.steps=300",
        "algo.learning_starts=50",
        "algo.buffer_size=500",
        "dynamics=constant",
        "evolve.best_return=500",
        "evolve.strategy=static",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(tmp_path / "runs")
    assert read_summary(run)["algo"] == "dqn" and read_summary(run)["status"] == "completed"


def test_an_identifiers_estimate_is_a_signal_the_loop_watches(tmp_path):
    from tests.sysid.test_identifier import saved_identifier

    saved_identifier(tmp_path / "identifier" / "identifier.pt")
    identifier = f"env.observe_estimated={tmp_path / 'identifier'}"
    run, summary = deploy(tmp_path, identifier, "evolve.signal=estimate")
    spent_exactly_the_budget(run, summary)
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    assert "evolve/estimated_context" in acc.Tags()["scalars"]
    assert all(a["signal"] in {"return", "surprise", "estimate"} for a in summary["alarms"])


DQN_TINY = [
    "algo=dqn",
    "total_timesteps=600",
    "algo.learning_starts=100",
    "algo.buffer_size=2000",
    "algo.train_freq=4",
    "algo.gradient_steps=1",
    "algo.target_update_interval=100",
]


def test_a_shadow_learner_learns_from_service_and_is_gated_at_its_cadence(tmp_path):
    run, summary = deploy(
        tmp_path,
        *DQN_TINY,
        "evolve.shadow=true",
        "evolve.gate_every=8",
        "evolve.shadow_buffer=1000",
        "evolve.explore=0.1",
        "evolve.best_return=500",
        base=WORLD,
    )
    spent_exactly_the_budget(run, summary)
    assert summary["training_steps"] == 0, "the shadow never acts: no step of the world is 'adapt'"
    shadow = summary["shadow"]
    assert shadow["transitions"] == BUDGET and shadow["gradient_steps"] > 0
    assert 0 < summary["explored_steps"] < 0.3 * summary["steps_by_role"]["serve"]
    gated = [a["shadow"] for a in summary["adaptations"] if "version" in a.get("shadow", {})]
    assert gated and all(g["alpha"] < 0.05 for g in gated)
    lineage = Lineage.load(run / "lineage.json")
    assert {v.origin for v in lineage.versions} >= {"initial", "shadow"}
    assert (run / "checkpoints" / "last.zip").is_file()
    assert (run / "checkpoints" / "v0.dynamics.pt").is_file(), "each version's dynamics model beside it"
    header = (run / "episodes.csv").read_text().splitlines()[0]
    assert header.endswith(",dynamics,alarms")


def test_with_shadow_serves_the_learner_plays_a_counted_share_of_episodes(tmp_path):
    run, summary = deploy(
        tmp_path,
        *DQN_TINY,
        "evolve.shadow=true",
        "evolve.shadow_serves=0.5",
        "evolve.best_return=500",
        base=WORLD,
    )
    spent_exactly_the_budget(run, summary)
    rows = list(csv.DictReader((run / "episodes.csv").open()))
    learner = [r for r in rows if r["role"] == "learner"]
    assert learner and all(r["version"] == "-1" for r in learner)
    assert 0 < summary["steps_by_role"]["learner"] < BUDGET
    assert summary["training_steps"] == 0  # the learner acts, but no challenger trains in the world


# A DQN shadow that takes service: every champion of this budget is below improve_below, so each
# adaptation (a gate, or the champion's service itself) hands service to the learner
TAKEOVER = [
    *DQN_TINY,
    # the shadow learns once it holds learning_starts=100 transitions, not one batch: the step
    # at which these tests' tiny world sees a takeover, a home check or a kill inside one
    "transfer.random_warmup=true",
    "evolve.shadow=true",
    "evolve.shadow_takeover=true",
    "evolve.improve_below=1.1",
    "evolve.best_return=500",
]


def test_a_shadow_takes_service_from_a_champion_below_its_level_and_its_episodes_are_counted(tmp_path):
    run, summary = deploy(tmp_path, *TAKEOVER, base=WORLD)
    spent_exactly_the_budget(run, summary)
    started = [a for a in summary["adaptations"] if "takeover" in a]
    assert started, "a rejected shadow and a champion below its level hand service to the learner"
    rows = list(csv.DictReader((run / "episodes.csv").open()))
    after = [r for r in rows if int(r["end_step"]) > started[0]["takeover"]["step"]]
    assert after[0]["role"] == "learner" and after[0]["version"] == "-1"
    played = sum(int(r["length"]) for r in rows if r["role"] == "learner")
    assert 0 < played <= summary["steps_by_role"]["learner"]  # (+ an episode the budget cut short)
    checks = [a for a in summary["adaptations"] if a["trigger"] == "takeover" and "screen" in a]
    assert checks, "every gate_episodes of the learner's episodes are screened against the champion"
    gated = [c for c in checks if c["screen"]["promote"]]
    assert all("version" in c["shadow"] and c["shadow"]["stopped"] != "service" for c in gated)
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    content = acc.summary_metadata["_hparams_/session_start_info"].plugin_data.content
    hparams = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info.hparams
    assert hparams["evolve.shadow_takeover"].number_value == 1, "the HParams table tells a takeover run apart"
    assert hparams["evolve.gate_test"].string_value == "welch"
    assert hparams["evolve.detector_clip"].number_value == -1, "no clip: -1, as other unset settings"


def test_a_takeovers_screen_is_an_unpaired_test_even_where_gates_are_paired(tmp_path):
    _, summary = deploy(tmp_path, *TAKEOVER, "evolve.gate_test=paired", base=WORLD)
    screens = [a["screen"] for a in summary["adaptations"] if "screen" in a]
    assert screens and all(s["test"] == "welch" for s in screens)  # service and gate returns: not rounds


def test_a_world_that_looks_like_home_again_gates_the_champion_against_the_learner(tmp_path):
    # a takeover ends only at home: adapt_steps beyond the budget
    run, summary = deploy(
        tmp_path, *TAKEOVER, "evolve.takeover_home=1e9", "evolve.adapt_steps=100000", base=WORLD
    )
    spent_exactly_the_budget(run, summary)
    checks = [a for a in summary["adaptations"] if "home" in a]
    assert checks, "a surprise below the level on gate_min_rounds learner episodes gates the champion"
    rows = list(csv.DictReader((run / "episodes.csv").open()))
    first = checks[0]
    learner = [r for r in rows if r["role"] == "learner" and int(r["end_step"]) <= first["step"]]
    assert len(learner) >= 3
    after = [r for r in rows if int(r["end_step"]) > first["step"]]
    gated = next(i for i, r in enumerate(after) if r["role"] != "gate")
    assert gated >= 2 * 3, "the champion and the learner's copy take turns, at least gate_min_rounds rounds"
    assert {r["version"] for r in after[:gated]} == {
        str(first["home"]["version"]),
        str(first["home"]["champion"]),
    }
    for who, version in (("champion", first["home"]["champion"]), ("learner", first["home"]["version"])):
        returns = [float(r["return"]) for r in after[:gated] if r["version"] == str(version)]
        assert first["home"][f"{who}_mean"] == pytest.approx(sum(returns) / len(returns)), who
    if first["home"]["promote"]:
        assert first.get("takeover_ended") == "home" and after[gated]["role"] == "serve", (
            "the champion serves"
        )
    else:
        assert "takeover_ended" not in first and after[gated]["role"] == "learner", (
            "the learner keeps service"
        )
    lineage = json.loads((run / "lineage.json").read_text())
    (decision,) = lineage["versions"][first["home"]["version"]]["decisions"]
    assert decision["reason"].startswith("home gate:"), "the learner's copy is recorded, never served"


def test_dyna_without_a_shadow_is_refused_in_one_line(tmp_path):
    result = run_cli(*WORLD, *DQN_TINY, "evolve.dyna_updates=1", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "evolve.dyna_updates" in line and "evolve.shadow=true" in line


def test_dyna_with_prioritized_replay_is_refused_in_one_line(tmp_path):
    args = (*WORLD, *DQN_TINY, "replay=prioritized", "evolve.shadow=true", "evolve.dyna_updates=1")
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "evolve.dyna_updates" in line and "replay=uniform" in line


def test_takeover_home_without_a_takeover_is_refused_in_one_line(tmp_path):
    result = run_cli(*WORLD, *DQN_TINY, "evolve.shadow=true", "evolve.takeover_home=2", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "evolve.takeover_home" in line and "evolve.shadow_takeover=true" in line


def test_shadow_takeover_without_a_shadow_is_refused_in_one_line(tmp_path):
    result = run_cli(*TINY, "evolve.shadow_takeover=true", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "evolve.shadow_takeover" in line and "evolve.shadow=true" in line


def test_shadow_serves_without_a_shadow_is_refused_in_one_line(tmp_path):
    result = run_cli(*TINY, "evolve.shadow_serves=0.1", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "evolve.shadow_serves" in line and "evolve.shadow=true" in line


def test_a_shadow_needs_an_off_policy_champion_in_one_line(tmp_path):
    result = run_cli(*TINY, "evolve.shadow=true", cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "off-policy" in line and "algo=ppo" in line


def test_every_deployment_logs_the_physics_it_is_in_and_saves_its_last_agent(tmp_path):
    run, summary = deploy(tmp_path, "evolve.strategy=continual")
    acc = EventAccumulator(str(run / "tb"))
    acc.Reload()
    lengths = [e.value for e in acc.Scalars("dynamics/length")]
    assert set(lengths) == {0.5, 2.0}
    assert "evolve/normalised_return_in_service" in acc.Tags()["scalars"]
    lineage = Lineage.load(run / "lineage.json")
    assert [v.origin for v in lineage.versions] == ["initial", "continual"] and lineage.champion == 1
    assert (run / "checkpoints" / "last.zip").is_file() and (run / "checkpoints" / "v1.zip").is_file()


def test_the_library_oracle_serves_a_stored_version_when_its_context_recurs(tmp_path):
    recurring = (
        "dynamics.switches=[{at: 0, values: {length: 0.5}}, {at: 6, values: {length: 2.0}},"
        " {at: 14, values: {length: 0.5}}]"
    )
    run, summary = deploy(tmp_path, "evolve.strategy=oracle_library", recurring)
    lineage = Lineage.load(run / "lineage.json")
    assert [v.origin for v in lineage.versions] == ["initial", "oracle"], "trained once, for 2.0 only"
    back = [a for a in summary["adaptations"] if "oracle_library" in a]
    assert back == [{"step": back[0]["step"], "champion": 1, "oracle_library": 0}]
    assert lineage.champion == 0


def test_a_champion_that_observes_the_physics_is_deployed_as_the_upper_reference(tmp_path):
    # env.observe appends the pole length to every observation, in training and in the deployed world
    run, summary = deploy(tmp_path, "env.observe=[length]", "evolve.strategy=static")
    spent_exactly_the_budget(run, summary)
    model = PPO.load(run / "checkpoints" / "v0.zip")
    assert model.observation_space.shape == (5,)
