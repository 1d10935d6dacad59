"""The Optuna study behind ``task=tune``: its storage, sampler and pruner."""

from __future__ import annotations

import fcntl
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import optuna
from omegaconf import DictConfig
from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback
from optuna.trial import TrialState

from rl_evolve.errors import ConfigError

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
            return RDBStorage(
                url,
                engine_kwargs=engine,
                heartbeat_interval=30,
                grace_period=120,
                heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=1),
            )
    except Exception as exc:  # sqlalchemy's errors: a bad URL, a file that is not a database
        raise ConfigError(f"tune.storage '{url}' cannot be opened: {str(exc).splitlines()[0]}") from exc


def _tpe(tune: DictConfig, seed: int) -> optuna.samplers.BaseSampler:
    with warnings.catch_warnings():  # zoo's multivariate TPE is "experimental" in Optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(
            n_startup_trials=tune.n_startup_trials, multivariate=True, seed=seed
        )


# tune.sampler and tune.pruner: the schema's enums name them, these build them
SAMPLERS = {"random": lambda tune, seed: optuna.samplers.RandomSampler(seed=seed), "tpe": _tpe}
PRUNERS = {
    "median": lambda tune: optuna.pruners.MedianPruner(
        n_startup_trials=tune.n_startup_trials, n_warmup_steps=tune.warmup_steps
    ),
    "halving": lambda tune: optuna.pruners.SuccessiveHalvingPruner(
        min_resource=tune.warmup_steps, reduction_factor=4
    ),
    "none": lambda tune: optuna.pruners.NopPruner(),
}


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
        return optuna.create_study(
            study_name=tune.study_name,
            storage=open_storage(tune),
            sampler=SAMPLERS[str(tune.sampler.value)](tune, cfg.seed + tune.worker),
            pruner=PRUNERS[str(tune.pruner.value)](tune),
            direction="maximize",
            load_if_exists=True,
        )


def finished(study: optuna.Study) -> int:
    return len(study.get_trials(deepcopy=False, states=FINISHED))
