"""A generalisation map: the agent scored on every combination of the physical parameter values in
``eval.grid``, written as a CSV and drawn as a heatmap (a line for one parameter) with the values
it trained on marked."""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.evaluation import evaluate_policy

from rl_evolve.env_factory import build_vec_env


def cells(grid: dict[str, list[float]]) -> list[dict[str, float]]:
    """Every combination, the first parameter varying slowest."""
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(grid[n] for n in names))]


def score(
    model: BaseAlgorithm,
    settings: dict[str, Any],
    dynamics: dict[str, float],
    episodes: int,
    deterministic: bool,
    seed: int,
    wrap: Callable | None = None,
) -> list[float]:
    """Episode returns of ``model`` on the env with ``dynamics`` set on top of ``settings``' (in
    ``wrap``, e.g. the source run's observation normalisation)."""
    fixed = {**(settings.get("dynamics") or {}), **dynamics}
    env = build_vec_env({**settings, "dynamics": fixed}, 1, seed)
    env = wrap(env) if wrap is not None else env
    returns, _ = evaluate_policy(
        model, env, n_eval_episodes=episodes, deterministic=deterministic, return_episode_rewards=True
    )
    env.close()
    return [float(r) for r in returns]


def evaluate_grid(
    model: BaseAlgorithm,
    settings: dict[str, Any],
    grid: dict[str, list[float]],
    episodes: int,
    deterministic: bool,
    seed: int,
    progress=None,
    wrap: Callable | None = None,
) -> list[dict[str, Any]]:
    rows = []
    for cell in cells(grid):
        returns = score(model, settings, cell, episodes, deterministic, seed, wrap)
        rows.append(
            {
                **cell,
                "mean_return": float(np.mean(returns)),
                "std_return": float(np.std(returns)),
                "episodes": len(returns),
            }
        )
        if progress is not None:
            progress(rows[-1])
    return rows


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _position(values: list[float], value: float) -> float:
    """Where ``value`` falls on an axis whose ticks are the sorted grid ``values`` (interpolated)."""
    return float(np.interp(value, values, np.arange(len(values))))


def plot(
    rows: list[dict[str, Any]],
    grid: dict[str, list[float]],
    trained: dict[str, tuple[float, float]],
    path: Path,
    title: str,
) -> None:
    """A heatmap of the mean return over the first two parameters (a line for one), the trained
    values marked: a circle for a point, a dashed box or band for a range."""
    from rl_evolve.tracking.figures import pyplot, save_figure

    plt = pyplot()
    from matplotlib.patches import Rectangle

    names = list(grid)
    if len(names) == 1:
        name = names[0]
        xs = sorted(grid[name])
        means = [next(r["mean_return"] for r in rows if r[name] == x) for x in xs]
        stds = [next(r["std_return"] for r in rows if r[name] == x) for x in xs]
        fig, ax = plt.subplots(figsize=(7, 4.5))
        ax.errorbar(xs, means, yerr=stds, marker="o", capsize=3)
        low, high = trained.get(name, (None, None))
        if low is not None:
            ax.axvspan(low, high, color="tab:green", alpha=0.2, lw=2, label="trained on")
            ax.axvline(low, color="tab:green", ls="--")
            ax.legend()
        ax.set(xlabel=name, ylabel="mean return (± std)", title=title)
    else:
        xname, yname = names[1], names[0]
        xs, ys = sorted(grid[xname]), sorted(grid[yname])
        total, count = np.zeros((len(ys), len(xs))), np.zeros((len(ys), len(xs)))
        for r in rows:  # a third parameter and more: the mean over them
            i, j = ys.index(r[yname]), xs.index(r[xname])
            total[i, j] += r["mean_return"]
            count[i, j] += 1
        table = total / count
        fig, ax = plt.subplots(figsize=(1.4 * len(xs) + 3, 0.9 * len(ys) + 2.5))
        image = ax.imshow(table, origin="lower", cmap="viridis", aspect="auto")
        bright = np.nanmin(table) + 0.6 * (np.nanmax(table) - np.nanmin(table))
        for i in range(len(ys)):
            for j in range(len(xs)):
                ax.text(
                    j,
                    i,
                    f"{table[i, j]:.0f}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="k" if table[i, j] > bright else "w",
                )
        ax.set_xticks(range(len(xs)), [f"{x:g}" for x in xs])
        ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
        ax.set(xlabel=xname, ylabel=yname, title=title)
        fig.colorbar(image, ax=ax, label="mean return")
        if xname in trained and yname in trained:
            (x0, x1), (y0, y1) = trained[xname], trained[yname]
            px0, px1 = _position(xs, x0), _position(xs, x1)
            py0, py1 = _position(ys, y0), _position(ys, y1)
            if (px0, py0) == (px1, py1):
                ax.plot(
                    px0,
                    py0,
                    marker="o",
                    markersize=34,
                    markerfacecolor="none",
                    markeredgewidth=2.5,
                    color="tab:red",
                    linestyle="none",
                    label="trained on",
                )
            else:
                ax.add_patch(
                    Rectangle(
                        (px0 - 0.5, py0 - 0.5),
                        px1 - px0 + 1,
                        py1 - py0 + 1,
                        fill=False,
                        ls="--",
                        lw=2,
                        edgecolor="tab:red",
                        label="trained on",
                    )
                )
            ax.legend(loc="upper right", fontsize=8)
    save_figure(fig, path)
