"""What a study leaves in its folder: the best parameters as a config ``rl-evolve`` takes back, a
table of trials, and Optuna's history, intermediate-value and importance plots."""

from __future__ import annotations

import warnings
from pathlib import Path

import optuna
import yaml
from omegaconf import DictConfig
from optuna.trial import TrialState

from rl_evolve.tracking.run_folder import atomic_write_text

TUNED_GROUP = "tuned"  # <study>/tuned/best.yaml is option `best` of this group


def reuse_command(cfg: DictConfig) -> str:
    """The command that trains with the study's best parameters (Hydra's search path)."""
    folder = Path(cfg.tune.dir).resolve()
    return (
        f"rl-evolve algo={cfg.algo.name} env={cfg.env.name} "
        f"'hydra.searchpath=[file://{folder}]' +{TUNED_GROUP}=best"
    )


def write_best(study: optuna.Study, cfg: DictConfig) -> Path:
    """``<study>/tuned/best.yaml``: the best complete trial's ``algo`` values, as a config."""
    best = study.best_trial
    path = Path(cfg.tune.dir) / TUNED_GROUP / "best.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    seeds = ", ".join(str(s) for s in cfg.tune.seeds)
    header = (
        f"# @package _global_\n"
        f"# Study {study.study_name}, trial {best.number}: mean final evaluation {best.value:.1f} "
        f"over seeds [{seeds}], {cfg.total_timesteps} steps each.\n"
        f"# Train with it: {reuse_command(cfg)}\n"
    )
    body = yaml.safe_dump({"algo": best.user_attrs["algo"]}, sort_keys=True, default_flow_style=None)
    atomic_write_text(path, header + body)
    return path


def write_trials(study: optuna.Study, folder: Path) -> Path:
    """``trials.csv``: one row per trial (number, state, value, parameters, returns, cost)."""
    frame = study.trials_dataframe(attrs=("number", "state", "value", "params", "user_attrs", "duration"))
    path = folder / "trials.csv"
    atomic_write_text(path, frame.to_csv(index=False))
    return path


def write_plots(study: optuna.Study, folder: Path) -> list[Path]:
    """History, intermediate values (the pruned curves stop early) and parameter importances
    (fANOVA: needs two complete trials whose values differ)."""
    from rl_evolve.tracking.figures import pyplot, save_figure

    pyplot()  # the Agg backend before Optuna draws
    from optuna.visualization import matplotlib as ov

    plots = {
        "history.png": ov.plot_optimization_history,
        "intermediate_values.png": ov.plot_intermediate_values,
    }
    complete = {t.value for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))}
    if len(complete) >= 2:
        plots["importance.png"] = ov.plot_param_importances
    written = []
    for name, plot in plots.items():
        with warnings.catch_warnings():  # Optuna marks its matplotlib plots "experimental"
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            axes = plot(study)
        figure = axes.figure if hasattr(axes, "figure") else axes.flat[0].figure
        figure.set_size_inches(9, 5)
        save_figure(figure, folder / name)
        written.append(folder / name)
    return written
