"""Registers the schemas in Hydra's ConfigStore and the resolvers the YAML files use."""

from __future__ import annotations

import dataclasses
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import Node, OmegaConf

from rl_evolve.config.algorithms import ALGORITHMS
from rl_evolve.config.groups import groups_help
from rl_evolve.config.schema import (
    AlgoConfig,
    BurstConfig,
    CNNConfig,
    Config,
    CurriculumConfig,
    DataConfig,
    EvolveConfig,
    LinearConfig,
    LSTMConfig,
    PeriodicConfig,
    PiecewiseConfig,
    PrioritizedReplayConfig,
    RandomConfig,
    RandomJumpConfig,
    ReplayConfig,
    ScheduleConfig,
    SineConfig,
    SysIdConfig,
    TransferConfig,
    TuneConfig,
)
from rl_evolve.tracking.run_names import job_dirname, run_dir, run_label

_NO_DEFAULT = object()


def tuned(
    key: str | None = None, default: Any = _NO_DEFAULT, *, _node_: Node, _parent_: Any, _root_: Any
) -> Any:
    """``${tuned:}``: the env's tuned value for this algorithm field, else the default the schema
    declares with ``schema.tuned(default)``.

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
            if f.name == key and "untuned" in f.metadata:
                untuned = f.metadata["untuned"]
                return untuned.value if hasattr(untuned, "value") else untuned
    raise KeyError(f"no tuned value and no default for '{key}'")


RESOLVERS = {
    "tuned": tuned,
    "run_dir": run_dir,
    "groups_help": groups_help,
    "run_label": run_label,
    "job_dirname": job_dirname,
}


def register() -> None:
    """Stores the schemas, then registers the resolvers; once per process (every CLI call asks):
    resolvers already there mean an earlier call did both."""
    if all(OmegaConf.has_resolver(name) for name in RESOLVERS):
        return
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="algo", name="algo_schema", node=AlgoConfig)
    for name, node in ALGORITHMS.items():
        cs.store(group="algo", name=f"{name}_schema", node=node)
    cs.store(group="replay", name="uniform_schema", node=ReplayConfig)
    cs.store(group="replay", name="prioritized_schema", node=PrioritizedReplayConfig)
    cs.store(group="model", name="cnn_schema", node=CNNConfig)
    cs.store(group="model", name="lstm_schema", node=LSTMConfig)
    cs.store(group="data", name="data_schema", node=DataConfig)
    cs.store(group="curriculum", name="curriculum_schema", node=CurriculumConfig)
    cs.store(group="transfer", name="transfer_schema", node=TransferConfig)
    cs.store(group="evolve", name="evolve_schema", node=EvolveConfig)
    cs.store(group="tune", name="tune_schema", node=TuneConfig)
    cs.store(group="sysid", name="sysid_schema", node=SysIdConfig)
    for name, node in (
        ("constant", ScheduleConfig),
        ("piecewise", PiecewiseConfig),
        ("linear", LinearConfig),
        ("sine", SineConfig),
        ("random", RandomConfig),
        ("periodic", PeriodicConfig),
        ("burst", BurstConfig),
        ("random_jump", RandomJumpConfig),
    ):
        cs.store(group="dynamics", name=f"{name}_schema", node=node)
    for name, fn in RESOLVERS.items():
        OmegaConf.register_new_resolver(name, fn, replace=True)
