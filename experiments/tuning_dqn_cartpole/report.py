"""Tables of the DQN CartPole tuning study: what the study cost and what pruning saved, and the best
parameters against zoo's defaults on fresh seeds (final return, steps to 475, 95% bootstrap CIs).

    .venv/bin/python experiments/tuning_dqn_cartpole/report.py runs/tuning_dqn_cartpole --out <folder>
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

import numpy as np

from rl_evolve.scoring.stats import mean_interval as bootstrap_ci

SOLVED = 475.0


def study_table(study: Path, budget: int) -> dict:
    """Trials by state; wall time spent, and what the pruned trials would have cost run in full
    (each at its own measured time per step, over the whole budget of every seed)."""
    with open(study / "trials.csv") as f:
        rows = list(csv.DictReader(f))
    states = [r["state"] for r in rows]
    spent = sum(float(r["user_attrs_wall_s"] or 0) for r in rows)
    unpruned = 0.0
    for r in rows:
        wall, steps = float(r["user_attrs_wall_s"] or 0), int(float(r["user_attrs_env_steps"] or 0))
        unpruned += wall * budget / steps if r["state"] == "PRUNED" and steps else wall
    complete = [r for r in rows if r["state"] == "COMPLETE"]
    best = max(complete, key=lambda r: float(r["value"]))
    return {
        "trials": len(rows),
        "states": {s: states.count(s) for s in sorted(set(states))},
        "pruned_fraction": states.count("PRUNED") / len(rows),
        "diverged": sum(1 for r in rows if r.get("user_attrs_diverged")),
        "wall_s": round(spent, 1),
        "wall_s_unpruned_estimate": round(unpruned, 1),
        "saved_fraction": round(1 - spent / unpruned, 3) if unpruned else 0.0,
        "best_trial": int(best["number"]),
        "best_value": float(best["value"]),
        "best_algo": best["user_attrs_algo"],
        "complete_values": sorted((float(r["value"]) for r in complete), reverse=True),
    }


def fresh_runs(root: Path) -> list[dict]:
    """Per run: final return and the first evaluated step whose mean reached 475 (None: never)."""
    runs = []
    for summary_path in sorted(root.rglob("summary.json")):
        summary = json.loads(summary_path.read_text())
        data = np.load(summary_path.parent / "evaluations.npz")
        means = data["results"].mean(axis=1)
        reached = [int(t) for t, m in zip(data["timesteps"], means, strict=True) if m >= SOLVED]
        runs.append(
            {
                "group": root.name,
                "seed": summary["seed"],
                "final_return": summary["final_eval"]["mean"],
                "steps_to_475": reached[0] if reached else None,
                "curve": [data["timesteps"].tolist(), means.tolist()],
            }
        )
    return runs


def group_table(runs: list[dict], budget: int) -> dict:
    finals = [r["final_return"] for r in runs]
    # A run that never reached 475 counts as the budget: a lower bound on its true cost.
    steps = [r["steps_to_475"] if r["steps_to_475"] is not None else budget for r in runs]
    return {
        "seeds": [r["seed"] for r in runs],
        "final_return": bootstrap_ci(finals),
        "steps_to_475": bootstrap_ci(steps),
        "reached_475": sum(r["steps_to_475"] is not None for r in runs),
        "per_seed": {
            r["seed"]: {"final": r["final_return"], "steps_to_475": r["steps_to_475"]} for r in runs
        },
    }


def _ci(c: list[float] | tuple, digits: int = 1) -> str:
    return f"{c[0]:.{digits}f} [{c[1]:.{digits}f}, {c[2]:.{digits}f}]"


def plot(groups: dict[str, list[dict]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for (name, runs), color in zip(groups.items(), ("tab:gray", "tab:blue"), strict=False):
        steps = np.array(runs[0]["curve"][0])
        curves = np.array([r["curve"][1] for r in runs])
        ax.plot(steps, curves.mean(axis=0), color=color, label=f"{name} (mean of {len(runs)} seeds)")
        ax.fill_between(steps, curves.min(axis=0), curves.max(axis=0), color=color, alpha=0.2)
    ax.axhline(SOLVED, color="k", lw=0.8, ls="--")
    ax.set(
        xlabel="environment steps",
        ylabel="evaluation return (10 episodes)",
        title="DQN CartPole-v1, 20k steps: tuned vs zoo (band: min-max over seeds)",
    )
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--budget", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, default=3, help="seeds per trial in the study")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    study = study_table(args.runs / "study", args.budget * args.seeds)
    groups = {name: fresh_runs(args.runs / name) for name in ("zoo", "tuned")}
    table = {name: group_table(runs, args.budget) for name, runs in groups.items()}
    diff = [
        t - z
        for t, z in zip(
            (r["final_return"] for r in sorted(groups["tuned"], key=lambda r: r["seed"])),
            (r["final_return"] for r in sorted(groups["zoo"], key=lambda r: r["seed"])),
            strict=True,
        )
    ]
    report = {"study": study, "fresh": table, "tuned_minus_zoo_final": bootstrap_ci(diff)}
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    with open(args.out / "results.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["group", "seed", "final_return", "steps_to_475"])
        for name, runs in groups.items():
            for r in sorted(runs, key=lambda r: r["seed"]):
                writer.writerow([name, r["seed"], r["final_return"], r["steps_to_475"]])
    for name in ("trials.csv", "history.png", "importance.png", "intermediate_values.png"):
        if (args.runs / "study" / name).is_file():
            shutil.copy(args.runs / "study" / name, args.out / name)
    shutil.copy(args.runs / "study" / "tuned" / "best.yaml", args.out / "best.yaml")
    plot(groups, args.out / "tuned_vs_zoo.png")
    s = study
    lines = [
        "| study | value |",
        "|---|---|",
        f"| trials | {s['trials']} ({', '.join(f'{k.lower()} {v}' for k, v in s['states'].items())}) |",
        f"| pruned | {s['pruned_fraction']:.0%} ({s['diverged']} of them diverged) |",
        f"| wall time of all trials (sum over workers) | {s['wall_s'] / 60:.1f} min |",
        f"| the same trials unpruned (estimate) | {s['wall_s_unpruned_estimate'] / 60:.1f} min |",
        f"| saved by pruning | {s['saved_fraction']:.0%} |",
        f"| best trial | {s['best_trial']}: mean final return {s['best_value']:.1f} over the study's seeds |",
        "",
        "| 5 fresh seeds, 20k steps | final return | steps to 475 | reached 475 |",
        "|---|---|---|---|",
    ]
    for name, t in table.items():
        lines.append(
            f"| {name} | {_ci(t['final_return'])} | {_ci(t['steps_to_475'], 0)} | "
            f"{t['reached_475']} of {len(t['seeds'])} |"
        )
    lines.append(f"| tuned - zoo (paired by seed) | {_ci(report['tuned_minus_zoo_final'])} | | |")
    (args.out / "tables.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
