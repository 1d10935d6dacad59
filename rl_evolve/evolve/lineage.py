"""Every version of a deployed agent: its parent, what it was trained on, its scores, and the
decision about it and why (``lineage.json`` in the run folder; ``rl-evolve-lineage`` prints it)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rl_evolve.tracking.run_folder import atomic_write_text


@dataclass
class Version:
    id: int
    parent: int | None
    # "initial"; "challenger" (fine-tuned from its parent in the world, then gated); "shadow" (a
    # frozen copy of the shadow learner, gated); "oracle" (fine-tuned when told the world changed,
    # deployed without a gate); "continual" (continual's agent at the end). A reused version keeps
    # its own origin: reuse is a decision, recorded with the reason "reuse: ..."
    origin: str
    created_at_step: int  # deployment step at which it was made
    checkpoint: str
    data_window: list[int] | None = None  # [first, last] deployment steps it was trained on
    scores: list[dict[str, Any]] = field(default_factory=list)  # {"step", "mean", "episodes"}
    decisions: list[dict[str, Any]] = field(default_factory=list)  # {"step", "decision", "reason"}


@dataclass
class Lineage:
    versions: list[Version] = field(default_factory=list)
    champion: int | None = None
    _written: tuple[str, str] | None = field(default=None, repr=False, compare=False)  # path, text

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_written": None}  # a lineage restored from a snapshot writes its file

    def add(
        self,
        parent: int | None,
        origin: str,
        step: int,
        checkpoint: str,
        data_window: list[int] | None = None,
    ) -> Version:
        version = Version(len(self.versions), parent, origin, step, checkpoint, data_window)
        self.versions.append(version)
        if self.champion is None:
            self.champion = version.id
        return version

    def score(self, version: int, step: int, mean: float, episodes: int) -> None:
        self.versions[version].scores.append({"step": step, "mean": mean, "episodes": episodes})

    def decide(self, version: int, step: int, decision: str, reason: str, back_to: int | None = None) -> None:
        """Records ``promoted``, ``rejected`` or ``rolled_back``; a promotion makes it champion,
        a roll-back returns to ``back_to`` (the champion it replaced; its parent if not given)."""
        self.versions[version].decisions.append({"step": step, "decision": decision, "reason": reason})
        if decision == "promoted":
            self.champion = version
        elif decision == "rolled_back" and self.champion == version:
            self.champion = self.versions[version].parent if back_to is None else back_to

    def save(self, path: Path) -> None:
        """Writes ``lineage.json`` (atomically), unless it already holds just this (the loop saves
        after every served episode; most of them change nothing)."""
        text = json.dumps(
            {"champion": self.champion, "versions": [asdict(v) for v in self.versions]}, indent=2
        )
        if self._written == (str(path), text):
            return
        atomic_write_text(path, text + "\n")
        self._written = (str(path), text)

    @classmethod
    def load(cls, path: Path) -> Lineage:
        data = json.loads(Path(path).read_text())
        return cls([Version(**v) for v in data["versions"]], data["champion"])

    def tree(self) -> str:
        """One line per version, indented under its parent, with its last decision."""
        children: dict[int | None, list[Version]] = {}
        for v in self.versions:
            children.setdefault(v.parent, []).append(v)
        lines: list[str] = []

        def walk(parent: int | None, depth: int) -> None:
            for v in children.get(parent, []):
                last = v.decisions[-1] if v.decisions else None
                mark = " *" if v.id == self.champion else ""
                decided = f" {last['decision']} at step {last['step']}: {last['reason']}" if last else ""
                lines.append(f"{'  ' * depth}v{v.id}{mark} ({v.origin}, step {v.created_at_step}){decided}")
                walk(v.id, depth + 1)

        walk(None, 0)
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``rl-evolve-lineage <run folder>``: the run's versions as a tree, the champion starred."""
    import argparse

    parser = argparse.ArgumentParser(prog="rl-evolve-lineage", description=main.__doc__)
    parser.add_argument("run", type=Path, help="a run folder holding lineage.json, or the file itself")
    args = parser.parse_args(argv)
    path = args.run / "lineage.json" if args.run.is_dir() else args.run
    if not path.is_file():
        parser.error(f"{args.run} holds no lineage.json (written by task=evolve runs)")
    try:
        lineage = Lineage.load(path)
    except (ValueError, KeyError, TypeError) as exc:
        parser.error(f"{path} is not a lineage file: {exc}")
    print(lineage.tree())
