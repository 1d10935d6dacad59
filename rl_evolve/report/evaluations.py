"""The evaluations section of a report: every ``task=evaluate`` run found, with its score and
links to its generalisation map and videos (relative to the report's folder)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rl_evolve.tracking.run_folder import find_runs


def collect(roots: list[Path]) -> list[dict[str, Any]]:
    found = []
    for folder, summary in find_runs(roots):
        if summary.get("task") == "evaluate" and summary.get("status") == "completed":
            found.append(
                {
                    "folder": folder,
                    "summary": summary,
                    "map": folder / "generalisation.png"
                    if (folder / "generalisation.png").is_file()
                    else None,
                    "videos": [folder / v for v in summary.get("videos", [])],
                }
            )
    return found


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
