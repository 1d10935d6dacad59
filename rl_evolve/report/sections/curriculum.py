"""The curriculum section of a report: curriculum runs across seeds, against the
``transfer=none`` (scratch) runs.

    rl-evolve -m curriculum=cartpole_pole_length transfer=none,full,trunk seed=0,1,2,3,4
    rl-evolve-report runs/default --out experiments/my_study      # rl_evolve/report/cli.py

Runs are grouped by curriculum, algorithm and transfer (``mode`` or ``mode+penalty``) and paired
with the scratch run of the same seed for forward transfer and jumpstart. Writes ``results.csv``
(one row per run and stage) and ``curves.png``; its tables become the report's curriculum
section. Confidence intervals are 95% percentile bootstraps of the mean over seeds.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from rl_evolve.curriculum.metrics import forward_transfer
from rl_evolve.scoring import stats
from rl_evolve.scoring.normalise import normalise
from rl_evolve.scoring.stats import mean_interval

KIND = "curriculum"
SCRATCH = "none"


def label(summary: dict[str, Any]) -> str:
    """The transfer variant a run belongs to: its mode, and its penalty with the strength."""
    t = summary["transfer"]
    if t.get("penalty", "none") == "none":
        return t["mode"]
    return f"{t['mode']}+{t['penalty']}({float(t['strength']):g})"


def spread(values: list[float]) -> dict[str, Any]:
    """Mean [95% CI] with the median and IQM, which one extreme seed cannot drag; NaN values
    (undefined, e.g. forward transfer where scratch's AUC is 1) are counted, not averaged."""
    finite = [v for v in values if np.isfinite(v)]
    out: dict[str, Any] = {
        "mean_ci": mean_interval(finite) if finite else None,
        "median": float(np.median(finite)) if finite else None,
        "iqm": float(stats.iqm(np.asarray(finite)[:, None])) if finite else None,
        "undefined": len(values) - len(finite),
        "values": values,
    }
    return out


def load(folder: Path, summary: dict[str, Any]) -> dict[str, Any]:
    return summary


def _steps(stage: dict[str, Any]) -> int:
    """Steps to threshold; an unreached threshold counts as the whole budget (censored)."""
    return stage["steps_to_threshold"] if stage["reached_threshold"] else stage["budget"]


def _fmt(ci: tuple[float, float, float]) -> str:
    return f"{ci[0]:+.2f} [{ci[1]:+.2f}, {ci[2]:+.2f}]"


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per (curriculum, algo): per transfer label and stage, the statistics over seeds."""
    groups: dict[tuple[str, str], dict[str, dict[int, dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for run in runs:
        groups[(run["curriculum"], run["algo"])][label(run)][run["seed"]] = run
    out: dict[str, Any] = {}
    for (curriculum, algo), by_label in groups.items():
        scratch = by_label.get(SCRATCH, {})
        tasks = next(iter(next(iter(by_label.values())).values()))["tasks"]
        table: dict[str, Any] = {}
        for name, by_seed in sorted(by_label.items()):
            stages = []
            for i, task in enumerate(tasks):
                steps = [_steps(r["stages"][i]) for r in by_seed.values()]
                paired = [(r, scratch[s]) for s, r in by_seed.items() if s in scratch]
                jump = [r["stages"][i]["jumpstart"] - sc["stages"][i]["jumpstart"] for r, sc in paired]
                ft = [forward_transfer(r["stages"][i]["auc"], sc["stages"][i]["auc"]) for r, sc in paired]
                auc_diff = [r["stages"][i]["auc"] - sc["stages"][i]["auc"] for r, sc in paired]
                # Scratch trains a new agent per stage: its "forgetting" compares different agents.
                forget = [
                    r["forgetting"][task]
                    for r in by_seed.values()
                    if task in r["forgetting"] and name != SCRATCH
                ]
                q1, med, q3 = np.percentile(steps, [25, 50, 75])
                stages.append(
                    {
                        "task": task,
                        "seeds": sorted(by_seed),
                        "reached": sum(r["stages"][i]["reached_threshold"] for r in by_seed.values()),
                        "steps_to_threshold": {
                            "median": float(med),
                            "q1": float(q1),
                            "q3": float(q3),
                            "values": steps,
                        },
                        "jumpstart_vs_scratch": mean_interval(jump) if jump else None,
                        "forward_transfer": spread(ft) if ft else None,
                        "auc_difference": mean_interval(auc_diff) if auc_diff else None,
                        "forgetting": mean_interval(forget) if forget else None,
                    }
                )
            clipped = sum(len(r.get("R_clipped", [])) for r in by_seed.values())
            entries = sum(len(r["R"]) * len(r["R"][0]) for r in by_seed.values() if r.get("R"))
            table[name] = {
                "stages": stages,
                "R_entries_clipped": [clipped, entries],
                "average_performance": mean_interval([r["average_performance"] for r in by_seed.values()]),
                "mean_forgetting": None
                if name == SCRATCH
                else mean_interval([r["mean_forgetting"] for r in by_seed.values()]),
            }
        last = len(tasks) - 1
        against_scratch = {}
        if SCRATCH in table:
            scratch_median = table[SCRATCH]["stages"][last]["steps_to_threshold"]["median"]
            for name, row in table.items():
                if name != SCRATCH:
                    median = row["stages"][last]["steps_to_threshold"]["median"]
                    against_scratch[name] = {
                        "last_stage_median_steps": median,
                        "scratch_median_steps": scratch_median,
                        "ratio": median / scratch_median if scratch_median else None,
                    }
        # A penalty against plain fine-tuning with the same mode, paired by seed.
        penalty_effect = {}
        for name, by_seed in by_label.items():
            base = by_label.get(name.split("+")[0]) if "+" in name else None
            if base:
                paired = [(r, base[seed]) for seed, r in by_seed.items() if seed in base]
                diffs = [r["mean_forgetting"] - b["mean_forgetting"] for r, b in paired]
                # Forgetting R[i][i] - R[T][i] split in its two ends: a penalty can forget less by
                # keeping more at the end, or by having learned less (or later) at the task's stage.
                per_task = {
                    task: {
                        "forgetting_difference": mean_interval(
                            [r["forgetting"][task] - b["forgetting"][task] for r, b in paired]
                        ),
                        "after_its_stage_difference": mean_interval(
                            [r["R"][i][i] - b["R"][i][i] for r, b in paired]
                        ),
                        "at_the_end_difference": mean_interval(
                            [r["R"][-1][i] - b["R"][-1][i] for r, b in paired]
                        ),
                    }
                    for i, task in enumerate(tasks[:-1])
                    if paired
                }
                penalty_effect[name] = {
                    "against": name.split("+")[0],
                    "mean_forgetting_difference": mean_interval(diffs),
                    "per_task": per_task,
                }
        out[f"{curriculum}/{algo}"] = {
            "tasks": tasks,
            "labels": table,
            "last_stage_against_scratch": against_scratch,
            "penalty_vs_plain": penalty_effect,
        }
    return out


def _ft_cells(ft: dict[str, Any] | None) -> list[str]:
    if not ft:
        return ["-", "-"]
    undefined = f" ({ft['undefined']} n/a)" if ft["undefined"] else ""
    if ft["mean_ci"] is None:
        return [f"n/a{undefined}", "-"]
    return [_fmt(ft["mean_ci"]) + undefined, f"{ft['median']:+.2f} / {ft['iqm']:+.2f}"]


def markdown(report: dict[str, Any], out: Path) -> str:
    lines = []
    for key, group in report.items():
        lines += [
            f"## Curriculum: {key}",
            "",
            "| transfer | stage | reached | steps to threshold: median [IQR] | jumpstart vs scratch "
            "| AUC minus scratch's | forward transfer: mean [CI] | FT median / IQM | forgetting |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, row in group["labels"].items():
            for s in row["stages"]:
                st = s["steps_to_threshold"]
                cells = [_fmt(s[k]) if s[k] else "-" for k in ("jumpstart_vs_scratch", "auc_difference")]
                cells += _ft_cells(s["forward_transfer"])
                cells.append(_fmt(s["forgetting"]) if s["forgetting"] else "-")
                lines.append(
                    f"| {name} | {s['task']} | {s['reached']}/{len(s['seeds'])} | "
                    f"{st['median']:.0f} [{st['q1']:.0f}, {st['q3']:.0f}] | " + " | ".join(cells) + " |"
                )
        lines += [
            "",
            "| transfer | average performance | mean forgetting | R entries clipped to [0, 1] |",
            "|---|---|---|---|",
        ]
        for name, row in group["labels"].items():
            forgetting = (
                _fmt(row["mean_forgetting"]) if row["mean_forgetting"] else "n/a (a new agent per stage)"
            )
            clipped, entries = row["R_entries_clipped"]
            lines.append(
                f"| {name} | {_fmt(row['average_performance'])} | {forgetting} | {clipped} of {entries} |"
            )
        for name, effect in group.get("penalty_vs_plain", {}).items():
            lines += [
                "",
                f"Mean forgetting, {name} minus {effect['against']} (paired by seed; below 0: the "
                f"penalty forgets less): {_fmt(effect['mean_forgetting_difference'])}",
                "",
                "| task | forgetting difference | R[i][i] difference (after its stage) | "
                "R[T][i] difference (at the end) |",
                "|---|---|---|---|",
            ]
            for task, d in effect.get("per_task", {}).items():
                lines.append(
                    f"| {task} | {_fmt(d['forgetting_difference'])} | "
                    f"{_fmt(d['after_its_stage_difference'])} | "
                    f"{_fmt(d['at_the_end_difference'])} |"
                )
        if group["last_stage_against_scratch"]:
            lines += ["", "Last stage, median steps to threshold against scratch:", ""]
            for name, t in group["last_stage_against_scratch"].items():
                ratio = f"{t['ratio']:.2f}" if t["ratio"] is not None else "-"
                lines.append(
                    f"- {name}: {t['last_stage_median_steps']:.0f} vs "
                    f"{t['scratch_median_steps']:.0f} (ratio {ratio})"
                )
        lines.append("")
    lines.append(
        "Values: mean over seeds [95% bootstrap CI]; an unreached threshold counts as the "
        "stage's whole budget. Forward transfer (FT) is (AUC - AUC_scratch) / (1 - AUC_scratch): "
        "unbounded below when scratch leaves little room, so its median and IQM stand beside "
        "the mean, and undefined (counted as n/a) where scratch's AUC is 1; the raw AUC "
        "difference shows the sign in every case. R holds normalised returns clipped to [0, 1] "
        "(random policy 0, the stage's best_return 1); the summaries keep the unclipped values "
        "(R_unclipped) and which entries were clipped."
    )
    return "\n".join(lines) + "\n"


def _write_csv(runs: list[dict[str, Any]], path: Path) -> None:
    fields = [
        "curriculum",
        "algo",
        "transfer",
        "seed",
        "stage",
        "task",
        "steps",
        "reached_threshold",
        "steps_to_threshold",
        "jumpstart",
        "auc",
        "end_return_own_task",
        "final_return_own_task",
    ]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for run in sorted(runs, key=lambda r: (r["curriculum"], label(r), r["seed"])):
            for s in run["stages"]:
                writer.writerow(
                    {
                        "curriculum": run["curriculum"],
                        "algo": run["algo"],
                        "transfer": label(run),
                        "seed": run["seed"],
                        "stage": s["stage"],
                        "task": s["name"],
                        "steps": s["steps"],
                        "reached_threshold": s["reached_threshold"],
                        "steps_to_threshold": s["steps_to_threshold"],
                        "jumpstart": s["jumpstart"],
                        "auc": s["auc"],
                        "end_return_own_task": s["end_returns"][s["name"]],
                        "final_return_own_task": run["R_raw"][-1][s["stage"]],
                    }
                )


def _plot_curves(runs: list[dict[str, Any]], path: Path) -> None:
    """Continual evaluation: normalised return on every task against total steps, per transfer."""
    from rl_evolve.tracking.figures import pyplot, save_figure

    plt = pyplot()

    tasks = runs[0]["tasks"]
    labels = sorted({label(r) for r in runs})
    first_seed = {name: min(r["seed"] for r in runs if label(r) == name) for name in labels}
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = {name: palette[i % len(palette)] for i, name in enumerate(labels)}
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.5 * len(tasks), 3.6), sharey=True, squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        for run in runs:
            ref = run["reference_returns"][task]
            steps = [h["global_step"] for h in run["evaluations"]]
            values = [normalise(h["returns"][task], ref["random"], ref["best"]) for h in run["evaluations"]]
            ax.plot(
                steps,
                values,
                color=colors[label(run)],
                alpha=0.45,
                lw=1,
                label=label(run) if run["seed"] == first_seed[label(run)] else None,
            )
        ax.set_title(f"evaluated on {task}")
        ax.set_xlabel("total environment steps")
    axes[0][0].set_ylabel("normalised return")
    axes[0][-1].legend(title="transfer (one line per seed)", fontsize=8)
    fig.suptitle(f"{runs[0]['curriculum']} ({runs[0]['algo']}): continual evaluation")
    save_figure(fig, path)


def write(report: dict[str, Any], runs: list[dict[str, Any]], out: Path) -> None:
    """``results.csv`` (one row per run and stage) and ``curves[_<curriculum>].png``."""
    _write_csv(runs, out / "results.csv")
    names = sorted({r["curriculum"] for r in runs})
    for name in names:
        suffix = "" if len(names) == 1 else f"_{name}"
        _plot_curves([r for r in runs if r["curriculum"] == name], out / f"curves{suffix}.png")
