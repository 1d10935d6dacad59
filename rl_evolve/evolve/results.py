"""What a deployment achieved: the episodes' normalised returns, the true change points, the
alarms, and where the steps went; written as ``episodes.csv`` and a PNG. How soon alarms followed
the changes that hurt is the study report's (``report.py``): it needs the static run as well."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from rl_evolve.evolve.world import Episode
from rl_evolve.scoring.normalise import normalise


def normalised_means(normalised: list[float], lengths: list[int]) -> tuple[float | None, float | None]:
    """The mean normalised return per episode, and per world step (each episode weighted by its
    length: a failing policy plays many short episodes, which the plain mean counts many times)."""
    if not normalised:
        return None, None
    return float(np.mean(normalised)), float(np.average(normalised, weights=lengths))


def change_points(episodes: list[Episode]) -> list[dict[str, Any]]:
    """Episodes whose dynamics differ from the episode before: where the world really changed."""
    return [
        {"episode": b.index, "step": a.end_step, "from": a.dynamics, "to": b.dynamics}
        for a, b in zip(episodes[:-1], episodes[1:], strict=True)
        if a.dynamics != b.dynamics
    ]


def summarise(
    episodes: list[Episode],
    alarms: list[dict[str, Any]],
    steps_by_role: dict[str, int],
    random_return: float,
    best_return: float,
) -> dict[str, Any]:
    changes = change_points(episodes)
    scaled = [normalise(e.ret, random_return, best_return, clip=False) for e in episodes]
    per_episode, per_step = normalised_means(scaled, [e.length for e in episodes])
    return {
        "episodes": len(episodes),
        "mean_return": float(np.mean([e.ret for e in episodes])) if episodes else None,
        "mean_normalised_return": per_episode,
        "time_weighted_normalised_return": per_step,
        "steps_by_role": dict(steps_by_role),
        "training_steps": int(steps_by_role.get("adapt", 0)),
        "changes": changes,
        "alarms": alarms,
    }


def write_episodes(
    episodes: list[Episode],
    path: Path,
    random_return: float,
    best_return: float,
    alarms: list[dict[str, Any]] | None = None,
) -> None:
    """One row per episode: when it ended, its return (raw and normalised), who played it and why,
    the physics it ran in, and the signals that alarmed after it (``return;surprise``)."""
    alarmed: dict[int, list[str]] = {}
    for alarm in alarms or []:
        alarmed.setdefault(int(alarm["episode"]), []).append(str(alarm["signal"]))
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["episode", "end_step", "return", "normalised", "length", "role", "version", "dynamics", "alarms"]
        )
        for e in episodes:
            scaled = normalise(e.ret, random_return, best_return, clip=False)
            writer.writerow(
                [
                    e.index,
                    e.end_step,
                    e.ret,
                    scaled,
                    e.length,
                    e.role,
                    e.version,
                    json.dumps(e.dynamics, sort_keys=True),
                    ";".join(alarmed.get(e.index, [])),
                ]
            )


def plot(
    episodes: list[Episode],
    changes: list[dict[str, Any]],
    alarms: list[dict[str, Any]],
    promotions: list[dict[str, Any]],
    path: Path,
    title: str,
) -> None:
    """The return of every episode over world steps; true changes (grey dashed), alarms (red
    ticks) and promotions (green lines)."""
    from rl_evolve.tracking.figures import pyplot, save_figure

    plt = pyplot()

    fig, ax = plt.subplots(figsize=(10, 4))
    colors = {"serve": "tab:blue", "gate": "tab:orange", "adapt": "tab:purple"}
    for role, color in colors.items():
        mine = [e for e in episodes if e.role == role]
        if mine:
            ax.scatter([e.end_step for e in mine], [e.ret for e in mine], s=6, color=color, label=role)
    for i, c in enumerate(changes):
        ax.axvline(c["step"], color="grey", ls="--", lw=1, label="true change" if i == 0 else None)
    for i, p in enumerate(promotions):
        ax.axvline(p["step"], color="tab:green", lw=1.5, label="promotion" if i == 0 else None)
    if alarms:
        ax.plot([a["step"] for a in alarms], [ax.get_ylim()[0]] * len(alarms), "r|", ms=14, label="alarm")
    ax.set_xlabel("world steps")
    ax.set_ylabel("episode return")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize=8)
    save_figure(fig, path, dpi=110)
