"""``task=tune``: one worker of an Optuna study, until the study has ``tune.n_trials`` trials; a
trial trains its sampled parameters as ``task=train`` runs, one per seed."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from omegaconf import DictConfig, OmegaConf, open_dict
from optuna.study import MaxTrialsCallback
from optuna.trial import FrozenTrial, TrialState

from rl_evolve.errors import ConfigError, Diverged
from rl_evolve.tasks.base import RLTask
from rl_evolve.tasks.train import Train
from rl_evolve.tracking.run_folder import RunFolder
from rl_evolve.tune.outputs import reuse_command, write_best, write_plots, write_trials
from rl_evolve.tune.pruning import ReportToTrial
from rl_evolve.tune.space import check_space, sample
from rl_evolve.tune.study import FINISHED, finished, open_study, storage_url


def trial_config(cfg: DictConfig, values: dict[str, Any], seed: int) -> DictConfig:
    """The train run of one trial and seed: the study's config with the sampled ``algo`` values."""
    run = copy.deepcopy(cfg)
    with open_dict(run):
        run.task, run.task_class = "train", f"{Train.__module__}.{Train.__qualname__}"
        run.seed, run.progress_bar, run.resume = seed, False, None
        for key, value in values.items():
            OmegaConf.update(run.algo, key, value, merge=False)
    return run


class Objective:
    """Trains the trial's parameters on every seed in turn (reporting each periodic evaluation
    to the pruner); the trial's value is the mean of the seeds' final evaluations."""

    def __init__(self, cfg: DictConfig):
        self.cfg = cfg

    def __call__(self, trial: optuna.Trial) -> float:
        values = sample(trial, self.cfg.tune.space)
        trial.set_user_attr("algo", values)
        returns: list[float] = []
        start, steps = time.perf_counter(), 0
        try:
            for i, seed in enumerate(self.cfg.tune.seeds):
                run = trial_config(self.cfg, values, seed)
                folder = RunFolder(Path(self.cfg.tune.dir) / "trials" / f"{trial.number:04d}" / f"s{seed}")
                folder.config.parent.mkdir(parents=True, exist_ok=True)
                OmegaConf.save(run, folder.config)  # what `rl-evolve` would keep
                reporter = ReportToTrial(trial, offset=i * run.total_timesteps)
                try:
                    returns.append(float(Train(run, folder.root, reporter)()))
                finally:  # the steps this seed took, to its end or to where it was pruned
                    model = getattr(reporter, "model", None)  # set once SB3 starts the run
                    steps = reporter.offset + (model.num_timesteps if model is not None else 0)
                trial.set_user_attr(f"return_s{seed}", returns[-1])
        except Diverged as exc:  # a learning rate of 1: bad parameters; zoo prunes them too
            trial.set_user_attr("diverged", str(exc).split(";")[0])
            raise optuna.TrialPruned(str(exc)) from exc
        finally:  # what the trial cost, pruned or not (the study's report sums what pruning saved)
            trial.set_user_attr("env_steps", int(steps))
            trial.set_user_attr("wall_s", round(time.perf_counter() - start, 2))
        return float(np.mean(returns))


def _print_trial(study: optuna.Study, trial: FrozenTrial) -> None:
    value = f"{trial.value:.1f}" if trial.value is not None else "-"
    best = (
        f"{study.best_value:.1f} (trial {study.best_trial.number})"
        if any(t.state == TrialState.COMPLETE for t in study.get_trials(deepcopy=False))
        else "-"
    )
    print(
        f"trial {trial.number}: {trial.state.name.lower()} {value} after "
        f"{trial.user_attrs.get('env_steps', 0)} steps; {finished(study)} finished; best {best}",
        flush=True,
    )


class Tune(RLTask):
    """Runs trials until the study (shared with other workers through its storage) has
    ``tune.n_trials`` finished ones or ``tune.timeout`` passes; writes the study's outputs. Its
    score is the study's best value."""

    name = "tune"

    def check(self) -> None:
        super().check()
        cfg, tune = self.cfg, self.cfg.tune
        check_space(tune.space, cfg.algo)
        if not tune.seeds:
            raise ConfigError("tune.seeds is empty: a trial needs at least one seed")
        if tune.n_trials < 1:
            raise ConfigError(f"tune.n_trials={tune.n_trials}: at least 1")
        if cfg.eval.freq > cfg.total_timesteps:
            raise ConfigError(
                f"eval.freq={cfg.eval.freq} is above total_timesteps={cfg.total_timesteps}: "
                f"the pruner would see no evaluation"
            )

    def build(self) -> None:
        self.study = open_study(self.cfg)
        self.study_dir = Path(self.cfg.tune.dir)
        self.best: float | None = None

    def identity(self) -> dict[str, Any]:
        cfg = self.cfg
        return {
            "algo": cfg.algo.name,
            "env": cfg.env.name,
            "study": self.study.study_name,
            "study_dir": str(self.study_dir.resolve()),
            "storage": storage_url(cfg.tune),
            "worker": cfg.tune.worker,
        }

    def hparams(self) -> dict[str, Any]:
        tune = self.cfg.tune
        return {
            "algo": self.cfg.algo.name,
            "env": self.cfg.env.name,
            "seed": self.cfg.seed,
            "tune.sampler": str(tune.sampler.value),
            "tune.pruner": str(tune.pruner.value),
            "tune.n_trials": tune.n_trials,
            "tune.worker": tune.worker,
            "total_timesteps": self.cfg.total_timesteps,
        }

    def work(self) -> None:
        cfg, study = self.cfg, self.study
        print(
            f"study {study.study_name} in {self.study_dir}: {finished(study)} of {cfg.tune.n_trials} "
            f"trials finished; worker {cfg.tune.worker} joins"
        )
        if finished(study) < cfg.tune.n_trials:
            study.optimize(
                Objective(cfg),
                timeout=cfg.tune.timeout,
                gc_after_trial=True,
                callbacks=[MaxTrialsCallback(cfg.tune.n_trials, states=FINISHED), _print_trial],
            )

    def progress(self) -> dict[str, Any]:
        return {"finished_trials": finished(self.study)}

    def results(self) -> dict[str, Any]:
        study = self.study
        states = [t.state for t in study.get_trials(deepcopy=False)]
        self.counts = {s.name.lower(): states.count(s) for s in TrialState if states.count(s)}
        self.study_dir.mkdir(parents=True, exist_ok=True)
        write_trials(study, self.study_dir)
        if TrialState.COMPLETE not in states:
            return {"trials": self.counts}
        best_file = write_best(study, self.cfg)
        self.plots = write_plots(study, self.study_dir)
        self.best = float(study.best_value)
        return {
            "trials": self.counts,
            "best_value": study.best_value,
            "best_trial": study.best_trial.number,
            "best_algo": study.best_trial.user_attrs["algo"],
            "best_file": str(best_file),
        }

    def score(self) -> float | None:
        return self.best

    def report(self) -> None:
        study, study_dir = self.study, self.study_dir
        if self.best is None:
            print(f"no trial completed ({self.counts}); nothing to report yet")
            return
        print(f"study folder: {study_dir} (trials.csv, {', '.join(p.name for p in self.plots)}, trials/)")
        print(f"trials: {self.counts}; best: trial {study.best_trial.number}, {study.best_value:.1f}")
        print(f"train with the best parameters: {reuse_command(self.cfg)}")
        print(f"look at the trials: tensorboard --logdir {study_dir / 'trials'}")
