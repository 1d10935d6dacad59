"""The evaluations section of a report: every ``task=evaluate`` run found, with its score and
links to its generalisation map and videos (relative to the report's folder)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

KIND = "evaluate"


def load(folder: Path, summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "folder": folder,
        "summary": summary,
        "map": folder / "generalisation.png" if (folder / "generalisation.png").is_file() else None,
        "videos": [folder / v for v in summary.get("videos", [])],
    }


def aggregate(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return found


def write(report: list[dict[str, Any]], found: list[dict[str, Any]], out: Path) -> None:
    """Nothing beyond the section's table: it links the runs' own maps and videos."""


def markdown(found: list[dict[str, Any]], out: Path) -> str:
    def link(path: Path) -> str:
        return f"[{path.name}]({os.path.relpath(path, out)})"

    lines = [
        "## Evaluations",
        "",
        "| run | source | return | dynamics | map | videos |",
        "|---|---|---|---|---|---|",
    ]
    for item in found:
        s = item["summary"]
        dynamics = ", ".join(f"{k}={v:g}" for k, v in (s.get("dynamics") or {}).items()) or "its own"
        lines.append(
            f"| {item['folder'].name} | {s['source']} | {s['mean_return']:.1f} +/- {s['std_return']:.1f} "
            f"({s['n_episodes']} episodes) | {dynamics} | {link(item['map']) if item['map'] else '-'} | "
            f"{', '.join(link(v) for v in item['videos']) or '-'} |"
        )
    return "\n".join(lines) + "\n\n"
