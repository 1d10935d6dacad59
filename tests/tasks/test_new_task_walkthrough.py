"""docs/architecture.md's "Adding a task" example, performed as written: its module and YAML go
into a user's folder, and its command runs from there."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.conftest import read_summary, run_cli, run_folders

ROOT = Path(__file__).resolve().parents[2]


def doc_blocks() -> dict[str, str]:
    text = (ROOT / "docs" / "architecture.md").read_text()
    return dict(re.findall(r"<!-- walkthrough: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.S))


def test_the_example_task_is_one_module_and_one_yaml_and_runs(tmp_path):
    blocks = doc_blocks()
    module = blocks["random_policy.py"]
    assert len(module.strip().splitlines()) <= 40, "the example stays short"
    for rel in ("random_policy.py", "myconf/task/random_policy.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(blocks[rel])
    (command,) = [shlex.split(line) for line in blocks["commands"].strip().splitlines()]
    result = run_cli(*command[1:], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (run,) = run_folders(tmp_path / "runs")
    summary = read_summary(run)
    assert summary["status"] == "completed" and summary["task"] == "random_policy"
    assert summary["episodes"] == 10 and 5 < summary["mean_return"] < 60  # CartPole, a long pole
    assert list((run / "tb").glob("events.out.tfevents.*")), "its HParams row and score"
