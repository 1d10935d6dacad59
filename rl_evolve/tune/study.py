"""The Optuna study behind ``task=tune``: its storage, sampler and pruner, and a trial's objective."""

from __future__ import annotations

import copy
import fcntl
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from omegaconf import DictConfig, OmegaConf, open_dict
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from rl_evolve.errors import ConfigError, Diverged
from rl_evolve.tracking.run_folder import RunFolder
from rl_evolve.tune.pruning import ReportToTrial
from rl_evolve.tune.space import sample

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)

optuna.logging.set_verbosity(optuna.logging.WARNING)  # the task prints one line per trial


def storage_url(tune: DictConfig) -> str:
    return tune.storage or f"sqlite:///{Path(tune.dir).resolve() / 'study.db'}"


def open_storage(tune: DictConfig) -> RDBStorage:
    """The study's storage; a trial whose worker died (no heartbeat for 2 minutes) is failed and
    retried once, so a study continues after a crash. One line when it cannot be opened."""
    url = storage_url(tune)
    engine = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    try:
        with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 4 and 5
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return RDBStorage(url, engine_kwargs=engine, heartbeat_interval=30, grace_period=120,
                              heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1))
    except Exception as exc:  # sqlalchemy's errors: a bad URL, a file that is not a database
        raise ConfigError(f"tune.storage '{url}' cannot be opened: {str(exc).splitlines()[0]}") from exc


def _sampler(tune: DictConfig, seed: int) -> optuna.samplers.BaseSampler:
    if str(tune.sampler.value) == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    with warnings.catch_warnings():  # zoo's multivariate TPE is "experimental" in Optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(n_startup_trials=tune.n_startup_trials, multivariate=True,
                                          seed=seed)


def _pruner(tune: DictConfig) -> optuna.pruners.BasePruner:
    kind = str(tune.pruner.value)
    if kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=tune.n_startup_trials,
                                           n_warmup_steps=tune.warmup_steps)
    if kind == "halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=tune.warmup_steps, reduction_factor=4)
    return optuna.pruners.NopPruner()


@contextmanager
def _one_at_a_time(url: str) -> Iterator[None]:
    """Workers starting together would race to create an SQLite file's tables (alembic's version
    row is unique): they take turns on a lock file beside it."""
    if not url.startswith("sqlite:///"):
        yield
        return
    path = Path(url.removeprefix("sqlite:///"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path.with_name(path.name + ".lock"), "w")  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(f"tune.storage '{url}' cannot be opened: {exc.strerror or exc}") from exc
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def open_study(cfg: DictConfig) -> optuna.Study:
    """Creates the study or loads it (a restart, or another worker's), maximising the return."""
    tune = cfg.tune
    with _one_at_a_time(storage_url(tune)):
        return optuna.create_study(study_name=tune.study_name, storage=open_storage(tune),
                                   sampler=_sampler(tune, cfg.seed + tune.worker), pruner=_pruner(tune),
                                   direction="maximize", load_if_exists=True)


def finished(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=FINISHED))


def trial_config(cfg: DictConfig, values: dict[str, Any], seed: int) -> DictConfig:
    """The train run of one trial and seed: the study's config with the sampled ``algo`` values."""
    run = copy.deepcopy(cfg)
    with open_dict(run):
        run.task, run.seed, run.progress_bar, run.resume = "train", seed, False, None
        for key, value in values.items():
            OmegaConf.update(run.algo, key, value, merge=False)
    return run


class Objective:
    """Trains the trial's parameters on every seed in turn (reporting each periodic evaluation
    to the pruner); the trial's value is the mean of the seeds' final evaluations."""

    def __init__(self, cfg: DictConfig):
        self.cfg = cfg

    def __call__(self, trial: optuna.Trial) -> float:
        from rl_evolve.train import train

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
                    returns.append(float(train(run, folder.root, reporter)))
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
