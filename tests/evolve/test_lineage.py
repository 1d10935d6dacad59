"""The lineage registry records every version, decision and roll-back, and round-trips."""

from __future__ import annotations

import pickle

import pytest

from rl_evolve.evolve.lineage import Lineage, main


def grown() -> Lineage:
    lineage = Lineage()
    lineage.add(None, "initial", 0, "v0.zip")
    lineage.add(0, "challenger", 5000, "v1.zip", data_window=[4000, 5000])
    lineage.score(1, 5200, 480.0, 10)
    lineage.decide(1, 5200, "promoted", "better")
    lineage.add(1, "challenger", 9000, "v2.zip", data_window=[8000, 9000])
    lineage.decide(2, 9200, "rejected", "not shown better")
    return lineage


def test_promotion_makes_a_version_champion_and_a_roll_back_returns_to_its_parent():
    lineage = grown()
    assert lineage.champion == 1
    lineage.decide(1, 12000, "rolled_back", "fell below its gate score")
    assert lineage.champion == 0


def test_lineage_round_trips_through_json(tmp_path):
    lineage = grown()
    lineage.save(tmp_path / "lineage.json")
    assert Lineage.load(tmp_path / "lineage.json") == lineage


def test_saving_an_unchanged_lineage_leaves_its_file_alone_and_a_change_is_written(tmp_path):
    lineage, path = grown(), tmp_path / "lineage.json"
    lineage.save(path)
    path.write_text("edited")
    lineage.save(path)
    assert path.read_text() == "edited"
    lineage.decide(2, 9300, "rejected", "again")
    lineage.save(path)
    assert Lineage.load(path) == lineage


def test_a_lineage_restored_from_a_snapshot_writes_its_file_again(tmp_path):
    lineage, path = grown(), tmp_path / "lineage.json"
    lineage.save(path)
    restored = pickle.loads(pickle.dumps(lineage))  # as snapshot.load gives it back
    path.write_text("written after the snapshot")
    restored.save(path)
    assert Lineage.load(path) == lineage


def test_tree_indents_children_under_their_parent_and_marks_the_champion():
    assert grown().tree().splitlines() == [
        "v0 (initial, step 0)",
        "  v1 * (challenger, step 5000) promoted at step 5200: better",
        "    v2 (challenger, step 9000) rejected at step 9200: not shown better",
    ]


def test_rl_evolve_lineage_prints_the_tree_of_a_run_folder(tmp_path, capsys):
    grown().save(tmp_path / "lineage.json")
    main([str(tmp_path)])
    assert capsys.readouterr().out.strip() == grown().tree()


def test_rl_evolve_lineage_without_a_lineage_says_so_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main([str(tmp_path)])
    assert stopped.value.code == 2 and "holds no lineage.json" in capsys.readouterr().err
