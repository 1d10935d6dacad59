"""Registers the schemas in Hydra's ConfigStore and the resolvers the YAML files use."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import Node, OmegaConf

from rl_evolve.config.groups import groups_help
from rl_evolve.config.schema import (
    AlgoConfig,
    CNNConfig,
    Config,
    CurriculumConfig,
    DataConfig,
    DQNConfig,
    EvolveConfig,
    LinearConfig,
    LSTMConfig,
    PiecewiseConfig,
    PPOConfig,
    PrioritizedReplayConfig,
    RandomConfig,
    ReplayConfig,
    ScheduleConfig,
    SineConfig,
    TransferConfig,
    TuneConfig,
)

_NO_DEFAULT = object()


def tuned(key: str | None = None, default: Any = _NO_DEFAULT, *, _node_: Node, _parent_: Any,
          _root_: Any) -> Any:
    """``${tuned:}``: the env's tuned value for this algorithm field, else the schema default.

    ``key`` names the entry in ``env.hyperparams.<algo>`` (defaults to the field's own name);
    ``default`` is used when the env has no tuned value (defaults to the dataclass default).
    """
    key = key or str(_node_._key())
    algo_name = OmegaConf.select(_root_, "algo.name", default=None)
    table = OmegaConf.select(_root_, f"env.hyperparams.{algo_name}", default=None)
    if table is not None and key in table:
        return table[key]
    if default is not _NO_DEFAULT:
        return default
    schema = OmegaConf.get_type(_parent_)
    if dataclasses.is_dataclass(schema):
        for f in dataclasses.fields(schema):
            if f.name == key:
                if f.default is not dataclasses.MISSING:
                    return f.default.value if hasattr(f.default, "value") else f.default
                if f.default_factory is not dataclasses.MISSING:
                    return f.default_factory()
    raise KeyError(f"no tuned value and no default for '{key}'")


_STARTED = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")


_CLAIMED: dict[str, str] = {}


def claim_folder(path: str) -> str:
    """Creates and returns the first free one of ``path``, ``path_2``, ``path_3``, ... A run folder
    is named to the second, so runs started together from separate shells would otherwise share
    one; ``mkdir`` is atomic, so two processes never claim the same. Hydra may resolve its run dir
    more than once: a process keeps the folder it claimed first."""
    if path not in _CLAIMED:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        candidate, n = Path(path), 1
        while True:
            try:
                candidate.mkdir()
                break
            except FileExistsError:
                n += 1
                candidate = Path(f"{path}_{n}")
        _CLAIMED[path] = str(candidate)
    return _CLAIMED[path]


def run_dir(resume: str | None, fresh: str) -> str:
    """Hydra's run dir: a fresh run folder, or for ``resume=<run>`` a sub-folder of that run;
    either is claimed for this process alone."""
    if resume:
        if not (Path(resume) / ".hydra" / "overrides.yaml").is_file():
            raise ValueError(f"resume='{resume}' is not a run folder (no .hydra/overrides.yaml)")
        return claim_folder(f"{resume.rstrip('/')}/resumes/{_STARTED}")
    return claim_folder(fresh)


MAX_DIRNAME = 200  # file systems refuse names over 255 bytes


def short_dirname(name: str) -> str:
    """A sweep job's folder name (its overrides), one folder deep (a path in a value, e.g.
    ``evolve.champion=runs/x``, has its slashes replaced), cut with a hash suffix when too long."""
    name = name.replace("/", "%")
    if len(name) <= MAX_DIRNAME:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:10]
    return f"{name[: MAX_DIRNAME - 11]}~{digest}"


def run_label(task: Any, algo: str, env: str, model: str, data: str, curriculum: str | None = None,
              transfer: Any = None, strategy: Any = None) -> str:
    """The run folder's name after its timestamp: ``<algo>_<env>``, ``<model>_<data>``, for
    a curriculum ``<algo>_<curriculum>_<transfer mode>``, for a deployment
    ``<algo>_<env>_<strategy>``, for a tuning worker or an evaluation ``<algo>_<env>_<task>``."""
    task = str(getattr(task, "value", task))
    if task == "supervised":
        return f"{model}_{data}"
    if task == "evolve":
        return f"{algo}_{env}_{getattr(strategy, 'value', strategy)}"
    if task in ("tune", "evaluate"):
        return f"{algo}_{env}_{task}"
    if curriculum:
        return f"{algo}_{curriculum}_{getattr(transfer, 'value', transfer)}"
    return f"{algo}_{env}"


RESOLVERS = {"tuned": tuned, "run_dir": run_dir, "groups_help": groups_help, "run_label": run_label,
             "short_dirname": short_dirname}


def register() -> None:
    """Stores the schemas, then registers the resolvers; once per process (every CLI call asks):
    resolvers already there mean an earlier call did both."""
    if all(OmegaConf.has_resolver(name) for name in RESOLVERS):
        return
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="algo", name="algo_schema", node=AlgoConfig)
    cs.store(group="algo", name="ppo_schema", node=PPOConfig)
    cs.store(group="algo", name="dqn_schema", node=DQNConfig)
    cs.store(group="replay", name="uniform_schema", node=ReplayConfig)
    cs.store(group="replay", name="prioritized_schema", node=PrioritizedReplayConfig)
    cs.store(group="model", name="cnn_schema", node=CNNConfig)
    cs.store(group="model", name="lstm_schema", node=LSTMConfig)
    cs.store(group="data", name="data_schema", node=DataConfig)
    cs.store(group="curriculum", name="curriculum_schema", node=CurriculumConfig)
    cs.store(group="transfer", name="transfer_schema", node=TransferConfig)
    cs.store(group="evolve", name="evolve_schema", node=EvolveConfig)
    cs.store(group="tune", name="tune_schema", node=TuneConfig)
    for name, node in (("constant", ScheduleConfig), ("piecewise", PiecewiseConfig),
                       ("linear", LinearConfig), ("sine", SineConfig), ("random", RandomConfig)):
        cs.store(group="dynamics", name=f"{name}_schema", node=node)
    for name, fn in RESOLVERS.items():
        OmegaConf.register_new_resolver(name, fn, replace=True)
