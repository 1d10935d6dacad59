"""The evolve section of rl-evolve-report: harmful changes from the static run, delays, paired differences."""

from __future__ import annotations

import csv
import json

import pytest

from rl_evolve.report.cli import main
from rl_evolve.report.sections.evolve import (
    aggregate,
    contexts,
    delays_after,
    first_alarms_in_a_drift,
    harm_onsets,
    markdown,
    variant_name,
)


def rows(returns: list[float], lengths: list[float], role: str = "serve") -> list[dict]:
    out, step = [], 0
    for i, (ret, length) in enumerate(zip(returns, lengths, strict=True)):
        step += 10
        out.append(
            {
                "episode": i,
                "end_step": step,
                "return": ret,
                "normalised": ret / 100,
                "length": "10",
                "role": role,
                "version": "0",
                "dynamics": json.dumps({"length": length}),
            }
        )
    return out


def run(strategy: str, seed: int, returns: list[float], lengths: list[float], alarms=(), training=0) -> dict:
    episode_rows = rows(returns, lengths)
    pairs = zip(episode_rows[:-1], episode_rows[1:], strict=True)
    changes = [
        {"episode": b["episode"], "step": a["end_step"]} for a, b in pairs if a["dynamics"] != b["dynamics"]
    ]
    return {
        "task": "evolve",
        "status": "completed",
        "strategy": strategy,
        "seed": seed,
        "dynamics": "w",
        "schedule": "piecewise",
        "episode_rows": episode_rows,
        "changes": changes,
        "alarms": [{"episode": e, "step": 10 * (e + 1), "signal": s} for e, s in alarms],
        "episodes": len(episode_rows),
        "mean_normalised_return": sum(returns) / len(returns) / 100,
        "training_steps": training,
        "adaptations": [],
        "evolve": {"gate_episodes": 2},
        "mean_return": sum(returns) / len(returns),
        "time_weighted_normalised_return": sum(returns) / len(returns) / 100,  # equal lengths
        "steps_by_role": {"serve": 150, "gate": 0, "adapt": training},
        "lineage": {"versions": [{"id": 0, "created_at_step": 0, "decisions": []}]},
    }


LENGTHS = [0.5] * 5 + [1.0] * 5 + [0.5] * 5
STATIC = run("static", 0, [100] * 5 + [10] * 5 + [100] * 5, LENGTHS)


def test_only_changes_that_hurt_the_policy_in_service_are_harmful():
    assert harm_onsets(STATIC, STATIC) == [50]  # the change back to 0.5 helped
    unhurt = run("evolve", 0, [100] * 15, LENGTHS)
    assert harm_onsets(unhurt, STATIC) == []  # the same changes, handled by the policy in service


def test_a_drift_is_harmful_from_where_the_static_return_stays_low():
    static = run("static", 0, [100] * 6 + [90, 50, 40, 30, 20], [1.0] * 11)
    static["schedule"] = "linear"
    assert harm_onsets({**static, "strategy": "evolve"}, static) == [70]  # episode 7 is the first low one


def test_in_a_drift_each_signals_first_alarm_is_set_against_the_onset_of_harm(tmp_path):
    static = run("static", 0, [100] * 6 + [90, 50, 40, 30, 20], [1.0] * 11)
    static["schedule"] = "linear"
    evolve = {
        **run(
            "evolve",
            0,
            [100] * 6 + [90, 50, 40, 30, 20],
            [1.0] * 11,
            alarms=[(3, "surprise"), (8, "return"), (9, "surprise")],
        ),
        "schedule": "linear",
    }
    first = first_alarms_in_a_drift(evolve, harm_onsets(evolve, static))
    assert first == {"surprise": 3, "return": 8, "harm_onset": 7}
    report = aggregate([static, evolve])["w"]
    assert report["drift_first_alarm_episode"] == {0: first}
    text = markdown({"w": report}, tmp_path)
    assert "alarmed before the harm: surprise in 1 of 1 seeds, return in 0" in text


def test_delay_counts_episodes_from_the_change_to_the_first_alarm_of_the_signal():
    alarms = [(2, "return"), (7, "return"), (6, "surprise")]
    evolve = run("evolve", 0, [100] * 5 + [10] * 10, LENGTHS, alarms=alarms)
    assert delays_after(evolve, [50], "return") == [2]
    assert delays_after(evolve, [50], "surprise") == [1]
    assert delays_after(evolve, [50], None) == [1]


def test_evolve_is_compared_with_static_and_continual_of_the_same_seed():
    runs = [
        STATIC,
        run(
            "evolve",
            0,
            [100] * 5 + [10, 10, 100, 100, 100] + [100] * 5,
            LENGTHS,
            alarms=[(6, "return")],
            training=100,
        ),
        run("continual", 0, [90] * 15, LENGTHS, training=150),
    ]
    world = aggregate(runs)["w"]
    assert world["evolve_minus_static"][0] == pytest.approx(0.88 - 0.7)
    assert world["evolve_minus_continual"][0] == pytest.approx(0.88 - 0.9)
    assert world["training_steps_evolve_over_continual"][0] == pytest.approx(100 / 150)
    assert world["detection_delay_episodes"]["return"] == {"median": 1.0, "n": 1}


def test_the_shadow_learners_own_episodes_count_as_steps_acted_by_a_learning_policy():
    takeover = run("evolve+shadow+takeover", 0, [100] * 15, LENGTHS)
    takeover["steps_by_role"] = {"serve": 120, "gate": 0, "adapt": 0, "learner": 30}
    continual = run("continual", 0, [90] * 15, LENGTHS, training=150)
    world = aggregate([STATIC, takeover, continual])["w"]
    assert world["training_steps_evolve+shadow+takeover_over_continual"][0] == 0
    assert world["learning_steps_evolve+shadow+takeover_over_continual"][0] == pytest.approx(30 / 150)


def test_every_loop_variant_gets_its_own_detection_delays(tmp_path):
    shadow = run("evolve+shadow", 0, [100] * 5 + [10] * 10, LENGTHS, alarms=[(8, "surprise")])
    world = aggregate([STATIC, shadow])["w"]
    found = world["detection_by_variant"]["evolve+shadow"]
    assert found["detection_delay_episodes"]["surprise"] == {"median": 3.0, "n": 1}
    assert found["detection_delay_episodes"]["return"] == {"median": None, "n": 0}
    assert found["harmful_changes"] == 1 and found["harmful_changes_missed"] == 0
    assert world["harmful_changes"] == 0  # no first-generation runs here
    assert "- evolve+shadow: harmful changes 1" in markdown({"w": world}, tmp_path)


def test_a_return_to_a_known_context_answered_by_a_new_shadow_copy_is_counted_as_the_shadows(tmp_path):
    shadow = run("evolve+shadow", 0, [100] * 15, LENGTHS)
    shadow["lineage"]["versions"].append(
        {
            "id": 1,
            "origin": "shadow",
            "created_at_step": 105,
            "decisions": [{"decision": "promoted", "step": 120}],
        }
    )
    world = aggregate([STATIC, shadow])["w"]
    (back,) = world["recoveries_by_variant"]["evolve+shadow"][0]
    assert back["answered_by"] == "shadow" and back["episodes_to_promotion"] == 2
    assert back["harmful"] is False  # static returns 100 again at 0.5: the return hurt nobody
    assert "evolve+shadow, returns to a context seen before: 1, 0 of them harmful" in markdown(
        {"w": world}, tmp_path
    )


def test_the_shadow_learners_own_episodes_in_a_recurring_context_count_as_training_there():
    learner = run("evolve+shadow+takeover", 0, [100] * 15, LENGTHS)
    for row in learner["episode_rows"][10:12]:  # back at 0.5: two episodes played by the learner
        row["role"], row["version"] = "learner", "-1"
    world = aggregate([STATIC, learner])["w"]
    (back,) = world["recoveries_by_variant"]["evolve+shadow+takeover"][0]
    assert back["training_steps"] == 20


def test_a_return_that_hurts_the_policy_in_service_is_counted_as_harmful(tmp_path):
    hurt = run("evolve+shadow", 0, [100] * 10 + [10] * 5, LENGTHS)  # fine at 1.0, fails back at 0.5
    world = aggregate([STATIC, hurt])["w"]
    (back,) = world["recoveries_by_variant"]["evolve+shadow"][0]
    assert back["harmful"] is True and back["answered_by"] is None
    assert "1 of them harmful; those answered by nothing 1" in markdown({"w": world}, tmp_path)


def write_runs(root, runs: list[dict]) -> None:
    """Each of ``runs`` as a run folder under ``root`` (its summary, episodes and lineage)."""
    for i, r in enumerate(runs):
        folder = root / str(i)
        folder.mkdir(parents=True)
        with (folder / "episodes.csv").open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(r["episode_rows"][0]))
            writer.writeheader()
            writer.writerows(r["episode_rows"])
        (folder / "lineage.json").write_text(json.dumps(r["lineage"]))
        (folder / "summary.json").write_text(
            json.dumps({k: v for k, v in r.items() if k not in ("episode_rows", "lineage")})
        )


def test_the_report_reads_run_folders_and_writes_its_files(tmp_path):
    write_runs(tmp_path / "runs", [STATIC, run("evolve", 0, [100] * 15, LENGTHS)])
    main([str(tmp_path / "runs"), "--out", str(tmp_path / "out")])
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report.keys() == {"evolve"} and report["evolve"]["w"]["strategies"].keys() == {"evolve", "static"}
    assert "## Self-evolution\n\n### w\n" in (tmp_path / "out" / "report.md").read_text()
    with (tmp_path / "out" / "evolve_results.csv").open() as f:
        results = list(csv.DictReader(f))
    assert len(results) == 2, "one row per run"
    with (tmp_path / "out" / "evolve_contexts.csv").open() as f:
        assert len(list(csv.DictReader(f))) == 2 * 3, "a row per run and context"
    assert {r["folder"] for r in results} == {str(tmp_path / "runs" / "0"), str(tmp_path / "runs" / "1")}
    import gzip

    with gzip.open(tmp_path / "out" / "evolve_episodes.csv.gz", "rt") as f:
        episodes = list(csv.DictReader(f))
    assert len(episodes) == len(STATIC["episode_rows"]) + 15, "every episode of every run"
    assert {e["strategy"] for e in episodes} == {"evolve", "static"}


def test_each_opt_in_setting_of_the_loop_makes_a_row_of_its_own():
    assert variant_name({"improve_below": None, "challenger_from": "champion"}) == "evolve"
    assert variant_name({"improve_below": 0.8}) == "evolve+improve_below=0.8"
    assert (
        variant_name({"improve_below": 0.8, "challenger_from": "latest"})
        == "evolve+improve_below=0.8+challenger_from=latest"
    )
    assert (
        variant_name({"shadow": True, "gate_every": 20, "explore": 0.05})
        == "evolve+shadow+gate_every=20+explore=0.05"
    )
    assert variant_name({"shadow": False, "gate_every": None, "explore": 0.0}) == "evolve"


def test_the_takeover_dyna_and_a_clipped_cusum_each_make_a_row_of_their_own():
    takeover = {"shadow": True, "gate_every": 10, "shadow_takeover": True}
    assert variant_name(takeover) == "evolve+shadow+gate_every=10+takeover"
    assert (
        variant_name({**takeover, "shadow_model_at_promotion": True, "dyna_updates": 1.0, "dyna_horizon": 1})
        == "evolve+shadow+gate_every=10+takeover+model_at_promotion+dyna=1"
    )
    assert (
        variant_name({"shadow": True, "detector": {"threshold": 10, "clip": 5.0}}) == "evolve+shadow+clip=5"
    )
    assert variant_name({"shadow": True, "detector": {"threshold": 10, "clip": None}}) == "evolve+shadow"


def test_two_runs_the_report_cannot_tell_apart_are_refused_naming_both_folders(tmp_path, capsys):
    write_runs(
        tmp_path / "runs",
        [STATIC, run("evolve", 0, [100] * 15, LENGTHS), run("evolve", 0, [90] * 15, LENGTHS)],
    )
    with pytest.raises(SystemExit) as stopped:
        main([str(tmp_path / "runs"), "--out", str(tmp_path / "out")])
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "two runs of evolve on w, seed 0" in error
    assert str(tmp_path / "runs" / "1") in error and str(tmp_path / "runs" / "2") in error


def test_the_alarm_rates_upper_bound_is_garwoods():
    from rl_evolve.report.sections.evolve import poisson_upper_per_200

    assert poisson_upper_per_200(0, 600) == pytest.approx(2.9957 / 600 * 200, rel=1e-3)  # -ln(0.05)
    assert poisson_upper_per_200(3, 1000) > 200 * 3 / 1000
    assert poisson_upper_per_200(0, 0) is None


def test_a_shadow_promotion_that_serves_worse_than_its_gate_is_counted():
    from rl_evolve.report.sections.evolve import worse_promotions

    shadow = run("evolve", 0, [100, 100, 100, 10, 10, 10], LENGTHS[:6])
    for r in shadow["episode_rows"][3:]:
        r["version"] = "1"
    shadow["adaptations"] = [{"step": 30, "shadow": {"version": 1, "promote": True, "champion_mean": 90.0}}]
    shadow["lineage"]["versions"].append(
        {"id": 1, "created_at_step": 30, "decisions": [{"step": 30, "decision": "promoted"}]}
    )
    assert worse_promotions(shadow) == (1, 1)


def test_a_switching_world_is_read_per_context_labelled_by_what_changed():
    found = contexts(STATIC)
    assert [c["label"] for c in found] == ["length=0.5", "length=1", "length=0.5"]
    assert [c["value"] for c in found] == pytest.approx([1.0, 0.1, 1.0])
    assert [c["episodes"] for c in found] == [5, 5, 5]


def test_a_drift_is_read_in_equal_stretches_of_the_budget():
    drift = run("static", 0, list(range(15)), [0.5 + 0.1 * i for i in range(15)])
    drift.update(schedule="linear", evolve={"steps": 150})
    found = contexts(drift)
    assert [c["label"] for c in found] == [
        "0k-0.03k",
        "0.03k-0.06k",
        "0.06k-0.09k",
        "0.09k-0.12k",
        "0.12k-0.15k",
    ]
    assert [c["value"] for c in found] == pytest.approx([0.01, 0.04, 0.07, 0.10, 0.13])


def test_the_report_gives_each_strategys_mean_per_context_over_seeds(tmp_path):
    better = [
        run("evolve+shadow", seed, [100] * 5 + [50 + 10 * seed] * 5 + [100] * 5, LENGTHS) for seed in (0, 1)
    ]
    world = aggregate([STATIC, run("static", 1, [100] * 5 + [10] * 5 + [100] * 5, LENGTHS), *better])["w"]
    assert world["contexts"]["labels"] == ["length=0.5", "length=1", "length=0.5"]
    assert world["contexts"]["by_strategy"]["evolve+shadow"] == pytest.approx([1.0, 0.55, 1.0])
    assert "| evolve+shadow | 1.00 | 0.55 | 1.00 |" in markdown({"w": world}, tmp_path)
