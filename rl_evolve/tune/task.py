"""The ``tune`` task: one worker of an Optuna study, until the study has ``tune.n_trials`` trials."""

from __future__ import annotations

from pathlib import Path

import optuna
from omegaconf import DictConfig
from optuna.study import MaxTrialsCallback
from optuna.trial import FrozenTrial, TrialState

from rl_evolve.errors import ConfigError
from rl_evolve.tasks import check_rl_run
from rl_evolve.tracking.recorder import RunRecorder
from rl_evolve.tracking.run_folder import RunFolder
from rl_evolve.tune.outputs import reuse_command, write_best, write_plots, write_trials
from rl_evolve.tune.space import check_space
from rl_evolve.tune.study import FINISHED, Objective, finished, open_study, storage_url


def check_tune(cfg: DictConfig) -> None:
    tune = cfg.tune
    check_space(tune.space, cfg.algo)
    if not tune.seeds:
        raise ConfigError("tune.seeds is empty: a trial needs at least one seed")
    if tune.n_trials < 1:
        raise ConfigError(f"tune.n_trials={tune.n_trials}: at least 1")
    if cfg.eval.freq > cfg.total_timesteps:
        raise ConfigError(f"eval.freq={cfg.eval.freq} is above total_timesteps={cfg.total_timesteps}: "
                          f"the pruner would see no evaluation")


def _print_trial(study: optuna.Study, trial: FrozenTrial) -> None:
    value = f"{trial.value:.1f}" if trial.value is not None else "-"
    best = f"{study.best_value:.1f} (trial {study.best_trial.number})" if any(
        t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False)) else "-"
    print(f"trial {trial.number}: {trial.state.name.lower()} {value} after "
          f"{trial.user_attrs.get('env_steps', 0)} steps; {finished(study)} finished; best {best}",
          flush=True)


def run_tune(cfg: DictConfig, run_dir: Path) -> float | None:
    """Runs trials until the study (shared with other workers through its storage) has
    ``tune.n_trials`` finished ones or ``tune.timeout`` passes; writes the study's outputs."""
    check_rl_run(cfg, "study")
    check_tune(cfg)
    study = open_study(cfg)
    folder, study_dir = RunFolder(run_dir), Path(cfg.tune.dir)
    recorder = RunRecorder(folder)
    recorder.start("tune", cfg.seed, cfg.device, algo=cfg.algo.name, env=cfg.env.name,
                   study=study.study_name, study_dir=str(study_dir.resolve()), storage=storage_url(cfg.tune),
                   worker=cfg.tune.worker)
    print(f"study {study.study_name} in {study_dir}: {finished(study)} of {cfg.tune.n_trials} trials "
          f"finished; worker {cfg.tune.worker} joins")
    with recorder.ending(resumable=False, progress=lambda: {"finished_trials": finished(study)}):
        if finished(study) < cfg.tune.n_trials:
            study.optimize(Objective(cfg), timeout=cfg.tune.timeout, gc_after_trial=True,
                           callbacks=[MaxTrialsCallback(cfg.tune.n_trials, states=FINISHED), _print_trial])
    states = [t.state for t in study.get_trials(deepcopy=False)]
    counts = {s.name.lower(): states.count(s) for s in TrialState if states.count(s)}
    study_dir.mkdir(parents=True, exist_ok=True)
    write_trials(study, study_dir)
    if TrialState.COMPLETE not in states:
        recorder.finish(trials=counts)
        print(f"no trial completed ({counts}); nothing to report yet")
        return None
    best_file = write_best(study, cfg)
    plots = write_plots(study, study_dir)
    recorder.finish(trials=counts, best_value=study.best_value, best_trial=study.best_trial.number,
                    best_algo=study.best_trial.user_attrs["algo"], best_file=str(best_file))
    print(f"study folder: {study_dir} (trials.csv, {', '.join(p.name for p in plots)}, trials/)")
    print(f"trials: {counts}; best: trial {study.best_trial.number}, {study.best_value:.1f}")
    print(f"train with the best parameters: {reuse_command(cfg)}")
    print(f"look at the trials: tensorboard --logdir {study_dir / 'trials'}")
    return float(study.best_value)
