"""The rolling checkpoint is replaced whole or not at all: a run killed mid-write resumes."""

from __future__ import annotations

from pathlib import Path

import pytest
from stable_baselines3 import DQN

from rl_evolve.env_factory import build_vec_env
from rl_evolve.tasks.train import save_rolling_checkpoint
from rl_evolve.tracking.run_folder import RunFolder, written_together


def test_files_written_together_replace_the_old_ones_only_when_every_one_is_written(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("old a")
    second.write_text("old b")
    with pytest.raises(KeyboardInterrupt), written_together(first, second) as (new_first, new_second):
        new_first.write_text("new a")
        raise KeyboardInterrupt  # as if stopped before b was written
    assert (first.read_text(), second.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
    with written_together(first, second) as (new_first, new_second):
        new_first.write_text("new a")
        new_second.write_text("new b")
    assert (first.read_text(), second.read_text()) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_write_killed_mid_way_leaves_nothing_behind_once_the_next_one_is_done(tmp_path):
    target = tmp_path / "last.zip"
    killed = written_together(target)
    (staged,) = killed.__enter__()  # as under kill -9, the block never ends
    staged.write_bytes(b"half a checkp")
    with written_together(target) as (again,):
        again.write_bytes(b"a whole checkpoint")
    assert [p.name for p in tmp_path.iterdir()] == ["last.zip"]
    assert target.read_bytes() == b"a whole checkpoint"


def test_a_rolling_checkpoint_cut_short_leaves_the_previous_one_whole(tmp_path, monkeypatch):
    env = build_vec_env({"name": "cartpole", "id": "CartPole-v1"}, 1, 0)
    model = DQN("MlpPolicy", env, buffer_size=500, learning_starts=50, seed=0)
    model.learn(100)
    folder = RunFolder(tmp_path)
    save_rolling_checkpoint(model, folder, with_buffer=True)
    before = {p.name: p.read_bytes() for p in folder.checkpoints.iterdir()}
    assert {"last.zip", "last_replay_buffer.pkl"} <= set(before)

    model.learn(100, reset_num_timesteps=False)

    def killed_mid_write(path, *args, **kwargs):
        Path(path).write_bytes(b"half a replay buff")
        raise KeyboardInterrupt

    monkeypatch.setattr(model, "save_replay_buffer", killed_mid_write)
    with pytest.raises(KeyboardInterrupt):
        save_rolling_checkpoint(model, folder, with_buffer=True)
    assert {p.name: p.read_bytes() for p in folder.checkpoints.iterdir()} == before
    assert DQN.load(folder.last_model).num_timesteps == 100
