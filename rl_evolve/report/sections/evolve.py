"""The evolve section of a report: the self-evolution study's figures over seeds, from the
``task=evolve`` runs found (summaries, ``episodes.csv``, ``lineage.json``).

Per world (the run's ``dynamics``): in-service normalised return per strategy; evolve against
static and continual paired by seed; training steps; detection delays after harmful changes (by
signal); false alarms on stationary dynamics; recovery on recurring contexts; promotions that
were worse on the next fresh episodes. Means come with 95% percentile-bootstrap intervals; the
paired differences also with Student-t intervals over the per-seed differences (``*_t``).
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from rl_evolve.errors import ConfigError
from rl_evolve.evolve.results import normalised_means
from rl_evolve.scoring.stats import mean_interval, t_interval

HARM = 0.3  # a change is harmful when the policy in service loses this much normalised return


KIND = "evolve"


def load(folder: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """The run's summary with its episodes and lineage."""
    with (folder / "episodes.csv").open() as f:
        summary["episode_rows"] = [
            {
                **row,
                "return": float(row["return"]),
                "normalised": float(row["normalised"]),
                "end_step": int(row["end_step"]),
                "episode": int(row["episode"]),
            }
            for row in csv.DictReader(f)
        ]
    summary["lineage"] = json.loads((folder / "lineage.json").read_text())
    summary["folder"] = str(folder)
    if summary["strategy"] == "evolve":  # a variant of the loop gets its own row
        summary["strategy"] = variant_name(summary.get("evolve") or {})
    rows = summary["episode_rows"]  # the raw record: both means from it, for runs of any version
    summary["mean_normalised_return"], summary["time_weighted_normalised_return"] = normalised_means(
        [r["normalised"] for r in rows], [int(r["length"]) for r in rows]
    )
    return summary


def variant_name(settings: dict[str, Any]) -> str:
    """``evolve``, or ``evolve+`` the opt-in settings a run changed (``shadow``, ``gate_every``,
    ``shadow_updates``, ``shadow_flush=false``, ``deterministic=false``, ``gate_test``,
    ``gate_margin``, ``explore``, ``shadow_serves``, ``shadow_takeover``, ``takeover_home``,
    ``shadow_model_at_promotion``, ``dyna_updates`` with its horizon, the CUSUM's ``clip``,
    ``improve_below``, ``challenger_from``), as one row of the report. A setting a run's summary
    lacks (a run older than the setting) counts as its default."""
    changed = []
    if settings.get("shadow"):
        changed.append("shadow")
        if settings.get("gate_every") is not None:
            changed.append(f"gate_every={settings['gate_every']}")
        if settings.get("shadow_updates") is not None:
            changed.append(f"shadow_updates={settings['shadow_updates']:g}")
        if settings.get("shadow_flush") is False:
            changed.append("no_flush")
    if settings.get("deterministic") is False:
        changed.append("stochastic")
    if settings.get("gate_test", "welch") != "welch":
        changed.append(f"gate_test={settings['gate_test']}")
    if settings.get("gate_margin"):
        changed.append(f"gate_margin={settings['gate_margin']:g}")
    if settings.get("explore"):
        changed.append(f"explore={settings['explore']:g}")
    if settings.get("shadow_serves"):
        changed.append(f"shadow_serves={settings['shadow_serves']:g}")
    if settings.get("shadow_takeover"):
        changed.append("takeover")
        if settings.get("takeover_home") is not None:
            changed.append(f"takeover_home={settings['takeover_home']:g}")
    if settings.get("shadow_model_at_promotion"):
        changed.append("model_at_promotion")
    if settings.get("dyna_updates"):
        changed.append(f"dyna={settings['dyna_updates']:g}")
        if (settings.get("dyna_horizon") or 1) != 1:
            changed.append(f"dyna_horizon={settings['dyna_horizon']}")
    if (settings.get("detector") or {}).get("clip") is not None:
        changed.append(f"clip={settings['detector']['clip']:g}")
    if settings.get("improve_below") is not None:
        changed.append(f"improve_below={settings['improve_below']:g}")
    if settings.get("challenger_from", "champion") != "champion":
        changed.append(f"challenger_from={settings['challenger_from']}")
    return "+".join(["evolve", *changed])


def learning_steps(run: dict[str, Any]) -> int:
    """World steps a run's learning policies acted: training in the world (``adapt``) and the
    shadow learner's own episodes (``learner``: ``shadow_serves``, ``shadow_takeover``)."""
    by_role = run.get("steps_by_role") or {}
    return int(by_role.get("adapt", run.get("training_steps", 0))) + int(by_role.get("learner", 0))


def poisson_upper_per_200(events: int, episodes: int) -> float | None:
    """The exact one-sided 95% upper bound on a Poisson rate, per 200 episodes, from ``events``
    in ``episodes`` (Garwood's chi-square bound)."""
    if episodes == 0:
        return None
    from scipy.stats import chi2

    return float(chi2.ppf(0.95, 2 * (events + 1)) / 2 / episodes * 200)


def _context(row: dict[str, Any]) -> str:
    return row["dynamics"]


def harm_onsets(evolve: dict[str, Any], static: dict[str, Any]) -> list[int]:
    """World steps at which a change hurt the policy in service. For switching worlds: the
    changes after which the champion of the moment averages ``HARM`` less over its first 3
    episodes than over its last 3 before (a change the champion handles needs no alarm). For a
    drift: the first step after which the static champion (same seed) stays ``HARM`` below its
    start for 3 episodes."""
    if evolve.get("schedule") != "linear":
        rows, onsets = evolve["episode_rows"], []
        for change in evolve["changes"]:
            served = [r for r in rows if r["end_step"] <= change["step"] and r["role"] == "serve"]
            if not served:
                continue
            mine = [r for r in rows if r["version"] == served[-1]["version"]]  # the champion's
            before = [r["normalised"] for r in mine if r["end_step"] <= change["step"]][-3:]
            after = [r["normalised"] for r in mine if r["end_step"] > change["step"]][:3]
            if before and after and np.mean(before) - np.mean(after) >= HARM:
                onsets.append(change["step"])
        return onsets
    rows = [r for r in static["episode_rows"] if r["role"] == "serve"]
    start = float(np.mean([r["normalised"] for r in rows[:10]]))
    low = [r["normalised"] <= start - HARM for r in rows]
    for i in range(len(rows) - 2):
        if all(low[i : i + 3]):
            return [rows[i - 1]["end_step"] if i else 0]
    return []


def during_adaptation(run: dict[str, Any], onset: int) -> bool:
    """Whether the world changed while the loop was gating or training (not monitoring): it then
    answers through that adaptation's gate, and no detection delay is defined. (An episode the
    shadow learner played itself, ``shadow_serves``, is service too.)"""
    first = next((r for r in run["episode_rows"] if r["end_step"] > onset), None)
    return first is not None and first["role"] in ("gate", "adapt")


def delays_after(run: dict[str, Any], onsets: list[int], signal: str | None) -> list[int | None]:
    """Per onset: episodes from the first episode after it to the first alarm (of ``signal``,
    or any) before the next onset; None when none came."""
    rows, out = run["episode_rows"], []
    for k, onset in enumerate(onsets):
        end = onsets[k + 1] if k + 1 < len(onsets) else float("inf")
        first = next((r["episode"] for r in rows if r["end_step"] > onset), None)
        hits = [
            a["episode"] - first
            for a in run["alarms"]
            if first is not None
            and a["episode"] >= first
            and a["step"] <= end
            and (signal is None or a["signal"] == signal)
        ]
        out.append(min(hits) if hits else None)
    return out


def first_alarms_in_a_drift(run: dict[str, Any], onsets: list[int]) -> dict[str, int | None]:
    """For a drift, which begins with the deployment: the episode of each signal's first alarm
    (None: it never alarmed), and the episode in which the drift's harm began (its onset). A
    signal that moves with the physics alarms before the harm; one that waits for the return
    cannot."""
    first = {
        signal: next((a["episode"] for a in run["alarms"] if a["signal"] == signal), None)
        for signal in ("surprise", "return")
    }
    onset = next((r["episode"] for r in run["episode_rows"] if onsets and r["end_step"] > onsets[0]), None)
    return {**first, "harm_onset": onset}


def worse_promotions(run: dict[str, Any]) -> tuple[int, int]:
    """(promotions, those whose next ``gate_episodes`` in service averaged below the champion's
    gate score they beat)."""
    n = run["evolve"]["gate_episodes"]
    rows = run["episode_rows"]
    total = worse = 0
    for adaptation in run.get("adaptations", []):
        for kind in ("reuse", "challenger", "shadow"):
            decision = adaptation.get(kind)
            if not decision or not decision.get("promote"):
                continue
            total += 1
            version = decision["version"]
            promoted_at = next(
                d["step"]
                for d in run["lineage"]["versions"][version]["decisions"]
                if d["decision"] == "promoted" and d["step"] >= adaptation["step"]
            )
            fresh = [
                r["return"]
                for r in rows
                if r["end_step"] > promoted_at and r["role"] == "serve" and int(r["version"]) == version
            ][:n]
            if fresh and np.mean(fresh) < decision["champion_mean"]:
                worse += 1
    return total, worse


def promotion_counts(runs: dict[int, dict[str, Any]]) -> dict[str, int]:
    """Promotions over one variant's runs, those worse on the next fresh episodes, and the runs
    that had one (``worse_promotions``)."""
    counted = [worse_promotions(r) for r in runs.values()]
    return {
        "total": sum(p[0] for p in counted),
        "worse_on_fresh_episodes": sum(p[1] for p in counted),
        "runs": len(counted),
        "runs_with_a_worse_one": sum(p[1] > 0 for p in counted),
    }


def recoveries(run: dict[str, Any], static: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Per change back to a context seen before: what answered it (``reuse`` of a version made
    before the change, else the origin of the version promoted: ``challenger``, ``shadow``; None:
    nothing), the episodes from the change to that promotion, the world steps spent training in
    that context (fine-tuning, or the shadow learner acting and learning), and (given the static
    run of the seed) whether the return hurt the policy in service (``harm_onsets``): a return
    the champion handles needs no answer."""
    rows = run["episode_rows"]
    changes = [c["episode"] for c in run["changes"]]
    promotions = sorted(
        (d["step"], v["id"])
        for v in run["lineage"]["versions"]
        for d in v["decisions"]
        if d["decision"] == "promoted"
    )
    harmful = set(harm_onsets(run, static)) if static is not None else None
    seen, out = {_context(rows[0])} if rows else set(), []
    for k, i in enumerate(changes):
        segment = rows[i : changes[k + 1] if k + 1 < len(changes) else len(rows)]
        if _context(rows[i]) in seen:
            start, end = rows[i - 1]["end_step"], segment[-1]["end_step"]
            answer = next(((step, v) for step, v in promotions if start < step <= end), None)
            kind = None
            if answer:
                version = run["lineage"]["versions"][answer[1]]
                kind = "reuse" if version["created_at_step"] < start else version.get("origin", "challenger")
            out.append(
                {
                    "step": start,
                    "answered_by": kind,
                    "episodes_to_promotion": sum(1 for r in segment if r["end_step"] <= answer[0])
                    if answer
                    else None,
                    # training in the world, and the shadow learner's own (learning) episodes
                    "training_steps": sum(
                        int(r["length"]) for r in segment if r["role"] in ("adapt", "learner")
                    ),
                    "harmful": None if harmful is None else start in harmful,
                }
            )
        seen.add(_context(rows[i]))
    return out


def detection(runs: dict[int, dict[str, Any]], static: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """For one loop variant's runs (by seed), against static on the same seeds: the harmful
    changes, how many came while the loop was gating or training, how many no alarm answered,
    the median detection delay per signal (episodes from the change), and for a drift each seed's
    first alarm per signal beside the episode where the harm began."""
    delays: dict[str, list[float]] = {"any": [], "return": [], "surprise": []}
    out: dict[str, Any] = {"harmful_changes": 0, "harmful_changes_during_adaptation": 0}
    missed = 0
    for seed, run in runs.items():
        if seed not in static:
            continue
        onsets = harm_onsets(run, static[seed])
        if run.get("schedule") == "linear":
            out.setdefault("drift_first_alarm_episode", {})[seed] = first_alarms_in_a_drift(run, onsets)
        out["harmful_changes"] += len(onsets)
        busy = [o for o in onsets if during_adaptation(run, o)]
        onsets = [o for o in onsets if o not in busy]
        out["harmful_changes_during_adaptation"] += len(busy)
        for signal in delays:
            found = delays_after(run, onsets, None if signal == "any" else signal)
            delays[signal] += [d for d in found if d is not None]
            if signal == "any":
                missed += sum(d is None for d in found)
    out["detection_delay_episodes"] = {
        k: {"median": float(np.median(v)) if v else None, "n": len(v)} for k, v in delays.items()
    }
    out["harmful_changes_missed"] = missed
    return out


DRIFT_WINDOWS = 5  # a world whose dynamics change at every episode is read in this many stretches


def contexts(run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's in-service normalised return per world step in each context: each stretch of
    constant dynamics between the changes the run recorded, labelled by the parameters that
    differ between stretches (``gravity=16``); a drift (``linear``, or a change at most episodes)
    in ``DRIFT_WINDOWS`` equal stretches of world steps, labelled by their steps."""
    rows = run["episode_rows"]
    if not rows:
        return []
    changes = run.get("changes") or []
    if run.get("schedule") == "linear" or len(changes) > len(rows) // 4:
        total = int((run.get("evolve") or {}).get("steps") or rows[-1]["end_step"])  # the budget
        bounds = [total * k // DRIFT_WINDOWS for k in range(DRIFT_WINDOWS + 1)]
        spans = list(zip(bounds[:-1], bounds[1:], strict=True))
        parts = [[r for r in rows if lo < r["end_step"] <= hi] for lo, hi in spans]
        labels = [f"{lo / 1000:g}k-{hi / 1000:g}k" for lo, hi in spans]
    else:
        starts = [0, *(c["episode"] for c in changes), rows[-1]["episode"] + 1]
        parts = [
            [r for r in rows if lo <= r["episode"] < hi]
            for lo, hi in zip(starts[:-1], starts[1:], strict=True)
        ]
        parts = [p for p in parts if p]
        physics = [json.loads(p[0]["dynamics"]) if p[0].get("dynamics") else {} for p in parts]
        varied = sorted(k for k in set().union(*physics) if len({str(d.get(k)) for d in physics}) > 1)
        labels = [",".join(f"{k}={d.get(k):.3g}" for k in varied) or "-" for d in physics]
    out = []
    for label, part in zip(labels, parts, strict=True):
        if part:
            _, per_step = normalised_means([r["normalised"] for r in part], [int(r["length"]) for r in part])
            out.append(
                {"label": label, "first_step": part[0]["end_step"], "episodes": len(part), "value": per_step}
            )
    return out


def context_means(by_strategy: dict[str, dict[int, dict[str, Any]]]) -> dict[str, Any]:
    """Each strategy's mean over seeds of its per-context returns (``contexts``), over the contexts
    every run has; labels from the first run (the world's schedule is the same for all)."""
    found = {
        name: {seed: contexts(run) for seed, run in runs.items()}
        for name, runs in sorted(by_strategy.items())
    }
    every = [c for per_seed in found.values() for c in per_seed.values()]
    n = min((len(c) for c in every), default=0)
    if n < 2:
        return {}
    labels = [c["label"] for c in every[0][:n]]
    return {
        "labels": labels,
        "by_strategy": {
            name: [float(np.mean([c[k]["value"] for c in per_seed.values()])) for k in range(n)]
            for name, per_seed in found.items()
        },
    }


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    by_world: dict[str, dict[str, dict[int, dict[str, Any]]]] = defaultdict(lambda: defaultdict(dict))
    for run in runs:
        taken = by_world[run["dynamics"]][run["strategy"]].setdefault(run["seed"], run)
        if taken is not run:
            raise ConfigError(
                f"two runs of {run['strategy']} on {run['dynamics']}, seed {run['seed']}: "
                f"{taken.get('folder')} and {run.get('folder')} (settings the report does not "
                "name differ, or a run was repeated); report them from separate folders"
            )
    out: dict[str, Any] = {}
    for world, by_strategy in sorted(by_world.items()):
        w: dict[str, Any] = {"strategies": {}}
        for strategy, by_seed in sorted(by_strategy.items()):
            values = [r["mean_normalised_return"] for r in by_seed.values()]
            w["strategies"][strategy] = {
                "seeds": sorted(by_seed),
                "normalised_return": mean_interval(values),
                "time_weighted_normalised_return": mean_interval(
                    [r["time_weighted_normalised_return"] for r in by_seed.values()]
                ),
                "training_steps": mean_interval([r["training_steps"] for r in by_seed.values()]),
                "alarms_per_200_episodes": mean_interval(
                    [200 * len(r["alarms"]) / max(r["episodes"], 1) for r in by_seed.values()]
                ),
                "alarms_per_200_episodes_upper_95": poisson_upper_per_200(
                    sum(len(r["alarms"]) for r in by_seed.values()),
                    sum(r["episodes"] for r in by_seed.values()),
                ),
            }
        for variant in [v for v in by_strategy if v.startswith("evolve")]:
            evolve, prefix = by_strategy[variant], variant
            for other in ("static", "continual"):
                seeds = sorted(set(evolve) & set(by_strategy.get(other, {})))
                if seeds:
                    for key, name in (
                        ("mean_normalised_return", f"{prefix}_minus_{other}"),
                        ("time_weighted_normalised_return", f"{prefix}_minus_{other}_time_weighted"),
                    ):
                        diffs = [evolve[s][key] - by_strategy[other][s][key] for s in seeds]
                        w[name] = mean_interval(diffs)
                        w[f"{name}_t"] = t_interval(diffs)
            continual = by_strategy.get("continual", {})
            seeds = sorted(set(evolve) & set(continual))
            if seeds:
                w[f"training_steps_{prefix}_over_continual"] = mean_interval(
                    [evolve[s]["training_steps"] / max(continual[s]["training_steps"], 1) for s in seeds]
                )
                # world steps acted by a policy that is learning: training, and the shadow's own episodes
                w[f"learning_steps_{prefix}_over_continual"] = mean_interval(
                    [learning_steps(evolve[s]) / max(learning_steps(continual[s]), 1) for s in seeds]
                )
        w["contexts"] = context_means(by_strategy)
        static = by_strategy.get("static", {})
        variants = [v for v in by_strategy if v.startswith("evolve")]  # every loop variant, evolve too
        w["detection_by_variant"] = {v: detection(by_strategy[v], static) for v in variants}
        w["promotions_by_variant"] = {v: promotion_counts(by_strategy[v]) for v in variants}
        w["recoveries_by_variant"] = {
            v: {seed: recoveries(run, static.get(seed)) for seed, run in sorted(by_strategy[v].items())}
            for v in variants
        }
        # the first-generation loop's figures, at the top level as the report has always given them
        w.update(w["detection_by_variant"].get("evolve") or detection({}, static))
        first = w["promotions_by_variant"].get("evolve") or promotion_counts({})
        w["promotions"] = {k: first[k] for k in ("total", "worse_on_fresh_episodes")}
        w["recoveries"] = w["recoveries_by_variant"].get("evolve", {})
        out[world] = w
    return out


def markdown(report: dict[str, Any], out: Path) -> str:
    def ci(v: Any) -> str:
        return "-" if not v or v[0] != v[0] else f"{v[0]:.2f} [{v[1]:.2f}, {v[2]:.2f}]"

    lines = ["## Self-evolution", ""]
    for world, w in report.items():
        lines += [
            f"### {world}",
            "",
            "| strategy | seeds | normalised return per episode | per world step "
            "| training steps | alarms / 200 episodes (exact Poisson 95% upper bound) |",
            "|---|---|---|---|---|---|",
        ]
        for name, s in w["strategies"].items():
            upper = s.get("alarms_per_200_episodes_upper_95")
            lines.append(
                f"| {name} | {len(s['seeds'])} | {ci(s['normalised_return'])} | "
                f"{ci(s['time_weighted_normalised_return'])} | "
                f"{s['training_steps'][0]:.0f} | {s['alarms_per_200_episodes'][0]:.2f}"
                f"{'' if upper is None else f' (<= {upper:.2f})'} |"
            )
        lines += _context_table(w.get("contexts") or {})
        lines += [
            "",
            f"- evolve - static: per episode {ci(w.get('evolve_minus_static'))}, per world step "
            f"{ci(w.get('evolve_minus_static_time_weighted'))}",
            f"- evolve - continual: per episode {ci(w.get('evolve_minus_continual'))}, per world step "
            f"{ci(w.get('evolve_minus_continual_time_weighted'))}",
            f"- training steps, evolve / continual: {ci(w.get('training_steps_evolve_over_continual'))}",
            "- detection delay after harmful changes (median episodes): "
            + ", ".join(f"{k} {v['median']} (n={v['n']})" for k, v in w["detection_delay_episodes"].items()),
            *(
                f"- {v} - {o}: per episode {ci(w.get(f'{v}_minus_{o}'))}, per world step "
                f"{ci(w.get(f'{v}_minus_{o}_time_weighted'))}"
                for v in w["strategies"]
                if v.startswith("evolve+")
                for o in ("static", "continual")
            ),
            *(
                f"- {v} - {o}, paired by seed, Student-t 95% interval: per world step "
                f"{ci(w.get(f'{v}_minus_{o}_time_weighted_t'))}"
                for v in w["strategies"]
                if v.startswith("evolve")
                for o in ("static", "continual")
                if w.get(f"{v}_minus_{o}_time_weighted_t")
            ),
            *(
                f"- training steps, {v} / continual: {ci(w.get(f'training_steps_{v}_over_continual'))}; "
                "world steps acted by a learning policy (training and the shadow's own episodes): "
                f"{ci(w.get(f'learning_steps_{v}_over_continual'))}"
                for v in w["strategies"]
                if v.startswith("evolve+")
            ),
            f"- harmful changes: {w['harmful_changes']} (while gating or training: "
            f"{w.get('harmful_changes_during_adaptation', 0)}), never detected: "
            f"{w['harmful_changes_missed']}",
            f"- promotions: {w['promotions']['total']}, worse on the next fresh episodes: "
            f"{w['promotions']['worse_on_fresh_episodes']}",
            *(
                f"- promotions, {v}: {p['total']}, worse on the next fresh episodes: "
                f"{p['worse_on_fresh_episodes']} (in {p['runs_with_a_worse_one']} of {p['runs']} runs)"
                for v, p in w.get("promotions_by_variant", {}).items()
                if v.startswith("evolve+")
            ),
            *_drift_lines(w.get("drift_first_alarm_episode")),
            *(
                line
                for v, d in w.get("detection_by_variant", {}).items()
                if v.startswith("evolve+")  # the first-generation loop's are the lines above
                for line in _detection_lines(v, d)
            ),
            *(_recovery_line(v, r) for v, r in w.get("recoveries_by_variant", {}).items() if any(r.values())),
            "",
        ]
    return "\n".join(lines)


def _context_table(found: dict[str, Any]) -> list[str]:
    if not found:
        return []
    labels = found["labels"]
    return [
        "",
        "Per context, in order (mean over seeds of each run's normalised return per world step "
        "there; `evolve_contexts.csv`: per run):",
        "",
        "| strategy | " + " | ".join(f"{i + 1}: {label}" for i, label in enumerate(labels)) + " |",
        "|---|" + "---|" * len(labels),
        *(
            f"| {name} | " + " | ".join(f"{v:.2f}" for v in values) + " |"
            for name, values in found["by_strategy"].items()
        ),
    ]


def _recovery_line(variant: str, by_seed: dict[int, list[dict[str, Any]]]) -> str:
    every = [r for found in by_seed.values() for r in found]
    returns = [r for r in every if r["harmful"] is not False]  # those that hurt (all, without static)
    answers = Counter(r["answered_by"] or "nothing" for r in returns)
    episodes = [r["episodes_to_promotion"] for r in returns if r["episodes_to_promotion"] is not None]
    median = f", median {np.median(episodes):g} episodes from the change to the promotion" if episodes else ""
    untrained = sum(r["training_steps"] == 0 for r in returns)
    return (
        f"- {variant}, returns to a context seen before: {len(every)}, {len(returns)} of them harmful; "
        "those answered by "
        + (", ".join(f"{k} {n}" for k, n in sorted(answers.items())) or "-")
        + f"{median}; no world step spent training in {untrained} of {len(returns)}"
    )


def _detection_lines(variant: str, d: dict[str, Any]) -> list[str]:
    delays = ", ".join(f"{k} {v['median']} (n={v['n']})" for k, v in d["detection_delay_episodes"].items())
    return [
        f"- {variant}: harmful changes {d['harmful_changes']} (while gating or training: "
        f"{d['harmful_changes_during_adaptation']}), never detected: {d['harmful_changes_missed']}; "
        f"detection delay (median episodes): {delays}",
        *_drift_lines(d.get("drift_first_alarm_episode"), variant),
    ]


def _drift_lines(first: dict[int, dict[str, int | None]] | None, variant: str = "evolve") -> list[str]:
    if not first:
        return []

    def episodes(key: str) -> str:
        values = [first[seed][key] for seed in sorted(first)]
        found = [v for v in values if v is not None]
        median = f" (median {np.median(found):g})" if found else ""
        return ", ".join("never" if v is None else str(v) for v in values) + median

    before = {
        signal: sum(
            1
            for f in first.values()
            if f[signal] is not None and f["harm_onset"] is not None and f[signal] < f["harm_onset"]
        )
        for signal in ("surprise", "return")
    }
    seeds = ", ".join(map(str, sorted(first)))
    return [
        f"- drift, {variant}, first alarm from the deployment's start (episode; seeds {seeds}): "
        f"surprise {episodes('surprise')}; return {episodes('return')}; the harm began at "
        f"{episodes('harm_onset')}; alarmed before the harm: surprise in {before['surprise']} of "
        f"{len(first)} seeds, return in {before['return']}"
    ]


def write(report: dict[str, Any], runs: list[dict[str, Any]], out: Path) -> None:
    """``evolve_results.csv``: one row per run, the raw figures the aggregates come from."""
    fields = [
        "dynamics",
        "strategy",
        "seed",
        "episodes",
        "mean_return",
        "mean_normalised_return",
        "time_weighted_normalised_return",
        "gradient_steps",
        "explored_steps",
        "training_steps",
        "gate_steps",
        "learner_steps",
        "alarms",
        "promotions",
        "rollbacks",
        "versions",
        "folder",
        "git_revision",
    ]
    with (out / "evolve_results.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for r in sorted(runs, key=lambda r: (r["dynamics"], r["strategy"], r["seed"])):
            decisions = [d["decision"] for v in r["lineage"]["versions"] for d in v["decisions"]]
            writer.writerow(
                {
                    "dynamics": r["dynamics"],
                    "strategy": r["strategy"],
                    "seed": r["seed"],
                    "episodes": r["episodes"],
                    "mean_return": r["mean_return"],
                    "mean_normalised_return": r["mean_normalised_return"],
                    "time_weighted_normalised_return": r["time_weighted_normalised_return"],
                    "gradient_steps": r.get("gradient_steps"),
                    "explored_steps": r.get("explored_steps"),
                    "training_steps": r["training_steps"],
                    "gate_steps": r["steps_by_role"]["gate"],
                    "learner_steps": r["steps_by_role"].get("learner", 0),
                    "alarms": len(r["alarms"]),
                    "promotions": decisions.count("promoted"),
                    "rollbacks": decisions.count("rolled_back"),
                    "versions": len(r["lineage"]["versions"]),
                    "folder": r.get("folder"),
                    "git_revision": r.get("git_revision"),
                }
            )
    with (out / "evolve_contexts.csv").open("w", newline="") as f:
        writer = csv.DictWriter(
            f,
            fieldnames=[
                "dynamics",
                "strategy",
                "seed",
                "context",
                "label",
                "first_step",
                "episodes",
                "value",
            ],
        )
        writer.writeheader()
        for r in sorted(runs, key=lambda r: (r["dynamics"], r["strategy"], r["seed"])):
            for i, c in enumerate(contexts(r)):
                writer.writerow(
                    {
                        "dynamics": r["dynamics"],
                        "strategy": r["strategy"],
                        "seed": r["seed"],
                        "context": i + 1,
                        **c,
                    }
                )
    write_episodes(runs, out / "evolve_episodes.csv.gz")


def write_episodes(runs: list[dict[str, Any]], path: Path) -> None:
    """Every episode of every run, one compressed table (world, strategy, seed, then the run's own
    ``episodes.csv`` row): the per-episode record a study keeps beside its results, from which
    every figure of the section can be derived again."""
    import gzip

    columns = [
        "episode",
        "end_step",
        "return",
        "normalised",
        "length",
        "role",
        "version",
        "dynamics",
        "alarms",
    ]
    with gzip.open(path, "wt", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["world", "strategy", "seed", *columns])
        for r in sorted(runs, key=lambda r: (r["dynamics"], r["strategy"], r["seed"])):
            for row in r["episode_rows"]:
                writer.writerow([r["dynamics"], r["strategy"], r["seed"], *(row.get(c, "") for c in columns)])
