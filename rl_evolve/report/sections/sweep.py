"""The sweep section of a report: per group of RL runs, final and best return and the aggregate
statistics of normalised scores; probability of improvement between groups; performance profiles
and sample-efficiency curves (IQM over runs at each evaluation step)."""

from __future__ import annotations

import csv
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from rl_evolve.report import plots
from rl_evolve.report.runs import Run, group, load_train_run
from rl_evolve.scoring import stats

KIND = "train"
load = load_train_run


def normalised(runs: list[Run]) -> bool:
    """Whether every run's env has a random and a reference return (else raw returns are used)."""
    return all(r.random_return is not None and r.reference_return is not None for r in runs)


def score_matrix(runs: list[Run], values: list[float | np.ndarray]) -> np.ndarray:
    """``(runs, tasks)``, one column per env; envs with unequal run counts are pooled in one."""
    envs = sorted({r.env for r in runs})
    columns = [[v for r, v in zip(runs, values, strict=True) if r.env == env] for env in envs]
    if len({len(c) for c in columns}) == 1:
        return np.array(columns, dtype=float).T
    return np.array(values, dtype=float)[:, None]


def _scores(runs: list[Run], norm: bool) -> list[float]:
    """Each run's final evaluation, normalised where every env has its reference returns."""
    return [r.normalise(r.final) if norm else r.final for r in runs]


def _curves(runs: list[Run], norm: bool) -> dict[str, list[float]] | None:
    """IQM and its band at the evaluation steps every run of the group has."""
    common = sorted(set.intersection(*(set(r.steps.tolist()) for r in runs)))
    if not common:
        return None
    per_step = []
    for step in common:
        values = [float(r.returns[r.steps.tolist().index(step)]) for r in runs]
        values = [r.normalise(v) for r, v in zip(runs, values, strict=True)] if norm else values
        per_step.append(score_matrix(runs, values))
    point, low, high = stats.curve(np.array(per_step), reps=500)
    return {"steps": common, "iqm": point.tolist(), "low": low.tolist(), "high": high.tolist()}


def aggregate(found: list[Run]) -> dict[str, Any]:
    groups = group(found)
    all_runs = [r for runs in groups.values() for r in runs]
    norm = normalised(all_runs)
    out: dict[str, Any] = {"normalised": norm, "envs": sorted({r.env for r in all_runs}), "groups": {}}
    matrices = {}
    for name, runs in groups.items():
        matrices[name] = score_matrix(runs, _scores(runs, norm))
        aggregates = stats.aggregates(matrices[name])
        if not norm:
            aggregates.pop("optimality_gap")  # no target without a reference return
        out["groups"][name] = {
            "runs": len(runs),
            "seeds": sorted(r.seed for r in runs),
            "envs": sorted({r.env for r in runs}),
            "final_return": stats.interval(np.array([[r.final] for r in runs]), stats.mean),
            "best_return": stats.interval(np.array([[r.best] for r in runs]), stats.mean),
            "aggregates": aggregates,
            "curve": _curves(runs, norm),
            "per_run": [
                {"seed": r.seed, "env": r.env, "final": r.final, "best": r.best, "path": str(r.path)}
                for r in sorted(runs, key=lambda r: r.seed)
            ],
        }
    out["probability_of_improvement"] = {
        f"{a} > {b}": stats.probability_of_improvement(matrices[a], matrices[b])
        for a, b in combinations(groups, 2)
        if matrices[a].shape[1] == matrices[b].shape[1]
    }
    every = np.concatenate([m.ravel() for m in matrices.values()])
    taus = np.linspace(
        min(every.min(), 0.0) if norm else every.min(), max(every.max(), 1.0 if norm else 0.0), 101
    )
    out["profiles"] = {
        "taus": taus.tolist(),
        **{
            name: dict(
                zip(
                    ("fraction", "low", "high"),
                    (a.tolist() for a in stats.performance_profile(m, taus, 500)),
                    strict=True,
                )
            )
            for name, m in matrices.items()
        },
    }
    return out


def _ci(c: list[float] | tuple, digits: int = 2) -> str:
    return f"{c[0]:.{digits}f} [{c[1]:.{digits}f}, {c[2]:.{digits}f}]"


def markdown(report: dict[str, Any], out: Path) -> str:
    norm = report["normalised"]
    scale = (
        "normalised return (0: a random policy, 1: the env's reference_return)"
        if norm
        else "raw return (an env without random/reference returns: not normalised)"
    )
    metrics = ["mean", "median", "iqm"] + (["optimality_gap"] if norm else [])
    lines = [
        "## Sweep",
        "",
        f"Envs: {', '.join(report['envs'])}. Aggregates of the final evaluation's {scale}, with "
        "95% stratified-bootstrap intervals over runs (Agarwal et al. 2021).",
        "",
        "| group | runs | final return | best return | " + " | ".join(metrics) + " |",
        "|---|---|---|---|" + "---|" * len(metrics),
    ]
    digits = 2 if norm else 1
    for name, g in report["groups"].items():
        cells = [_ci(g["aggregates"][m], digits) for m in metrics]
        lines.append(
            f"| {name} | {g['runs']} | {_ci(g['final_return'], 1)} | {_ci(g['best_return'], 1)} | "
            + " | ".join(cells)
            + " |"
        )
    if report["probability_of_improvement"]:
        lines += ["", "| probability of improvement | P(X > Y) |", "|---|---|"]
        lines += [f"| {pair} | {_ci(p)} |" for pair, p in report["probability_of_improvement"].items()]
    lines += [
        "",
        "Plots: `aggregates.png` (the intervals above), `profiles.png` (fraction of runs above each "
        "score), `sample_efficiency.png` (IQM over runs at each evaluation step, 95% band); per run: "
        "`runs.csv`; TensorBoard: `tensorboard --logdir <out>/tensorboard` (custom scalars: one margin "
        "chart, one line per group).",
        "",
    ]
    return "\n".join(lines)


def write(report: dict[str, Any], runs: list[Run], out: Path) -> None:
    """``runs.csv`` (group, seed, env, final and best return, run folder), the plots and the
    TensorBoard margin charts."""
    with open(out / "runs.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["group", "seed", "env", "final_return", "best_return", "run_dir"])
        writer.writerows(
            [name, r["seed"], r["env"], r["final"], r["best"], r["path"]]
            for name, g in report["groups"].items()
            for r in g["per_run"]
        )
    plots.aggregates(report, out / "aggregates.png")
    plots.profiles(report, out / "profiles.png")
    plots.curves(report, out / "sample_efficiency.png")
    plots.tensorboard(report, out / "tensorboard")
