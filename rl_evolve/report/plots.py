"""The sweep section's figures: aggregate intervals, performance profiles, sample-efficiency curves;
and the same curves as a TensorBoard custom-scalars margin chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rl_evolve.tracking.figures import pyplot, save_figure

plt = pyplot()


def _colors(n: int) -> list:
    return [plt.get_cmap("tab10")(i % 10) for i in range(n)]


def _save(fig, ax, path: Path, **labels: str) -> None:
    ax.set(**labels)
    ax.legend(fontsize=8)
    save_figure(fig, path)


def aggregates(report: dict[str, Any], path: Path) -> None:
    groups = list(report["groups"])
    metrics = list(next(iter(report["groups"].values()))["aggregates"])
    fig, axes = plt.subplots(
        1, len(metrics), figsize=(3.2 * len(metrics), 0.5 * len(groups) + 1.5), sharey=True, squeeze=False
    )
    for ax, metric in zip(axes[0], metrics, strict=True):
        for y, (name, color) in enumerate(zip(groups, _colors(len(groups)), strict=True)):
            point, low, high = report["groups"][name]["aggregates"][metric]
            ax.barh(y, high - low, left=low, height=0.6, color=color, alpha=0.6)
            ax.plot([point, point], [y - 0.3, y + 0.3], color="k", lw=1.5)
        ax.set_title(metric.replace("_", " "))
        ax.set_yticks(range(len(groups)), groups)
    fig.supxlabel("normalised return" if report["normalised"] else "return")
    save_figure(fig, path)


def profiles(report: dict[str, Any], path: Path) -> None:
    taus = report["profiles"]["taus"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, color in zip(report["groups"], _colors(len(report["groups"])), strict=True):
        p = report["profiles"][name]
        ax.plot(taus, p["fraction"], color=color, label=name)
        ax.fill_between(taus, p["low"], p["high"], color=color, alpha=0.2)
    _save(
        fig,
        ax,
        path,
        xlabel="score threshold" + (" (normalised)" if report["normalised"] else ""),
        ylabel="fraction of runs above",
        title="performance profiles (95% bands)",
    )


def curves(report: dict[str, Any], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, color in zip(report["groups"], _colors(len(report["groups"])), strict=True):
        c = report["groups"][name]["curve"]
        if c is None:
            continue
        ax.plot(c["steps"], c["iqm"], color=color, label=f"{name} ({report['groups'][name]['runs']} runs)")
        ax.fill_between(c["steps"], c["low"], c["high"], color=color, alpha=0.2)
    _save(
        fig,
        ax,
        path,
        xlabel="environment steps",
        ylabel="IQM of " + ("normalised " if report["normalised"] else "") + "evaluation return",
        title="sample efficiency (IQM over runs, 95% band)",
    )


def tensorboard(report: dict[str, Any], folder: Path) -> None:
    """One TensorBoard run per group with ``report/iqm`` and its band on the steps axis, and a
    custom-scalars layout that shows them as one margin chart. An earlier report's event files in
    ``folder`` are replaced, so a report made again shows each curve once."""
    from torch.utils.tensorboard import SummaryWriter

    for old in folder.glob("*/events.out.tfevents.*"):
        old.unlink()
    for i, (name, group) in enumerate(report["groups"].items()):
        if group["curve"] is None:
            continue
        writer = SummaryWriter(str(folder / name.replace("/", "%")))
        if i == 0:
            writer.add_custom_scalars(
                {
                    "rl-evolve report": {
                        "IQM evaluation return (95% band)": [
                            "Margin",
                            ["report/iqm", "report/iqm_low", "report/iqm_high"],
                        ]
                    }
                }
            )
        c = group["curve"]
        for step, point, low, high in zip(c["steps"], c["iqm"], c["low"], c["high"], strict=True):
            writer.add_scalar("report/iqm", point, step)
            writer.add_scalar("report/iqm_low", low, step)
            writer.add_scalar("report/iqm_high", high, step)
        writer.close()
