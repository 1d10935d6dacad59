"""Builds Gymnasium envs and SB3 VecEnvs from the ``env`` config node."""

from __future__ import annotations

import json
import multiprocessing
import signal
from functools import partial
from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import load_env_creator
from omegaconf import DictConfig, OmegaConf

from rl_evolve.envs.dynamics import flatten, load_spec
from rl_evolve.envs.schedules import build_schedule
from rl_evolve.envs.wrapper import DynamicsWrapper
from rl_evolve.errors import ConfigError, invalid_choice


def env_settings(env_cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """The env node as a plain, picklable dict (what SubprocVecEnv workers receive), its
    ``dynamics`` by dotted names (``{mass: {torso: 2}}`` -> ``{"mass.torso": 2}``)."""
    if isinstance(env_cfg, DictConfig):
        settings: dict[str, Any] = OmegaConf.to_container(env_cfg, resolve=True)  # type: ignore[assignment]
    else:
        settings = dict(env_cfg)
    settings["dynamics"] = flatten(settings.get("dynamics") or {})
    return settings


def ensure_registered(settings: dict[str, Any]) -> None:
    """Registers ``id`` from ``entry_point`` (``module:Class``) unless Gymnasium knows it."""
    env_id, entry_point = settings["id"], settings.get("entry_point")
    if entry_point and env_id not in gym.registry:
        gym.register(id=env_id, entry_point=entry_point)


def check_env_exists(settings: dict[str, Any]) -> None:
    """Fails with the closest registered ids when the env id or entry point does not resolve."""
    entry_point = settings.get("entry_point")
    if entry_point:
        try:
            load_env_creator(entry_point)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ConfigError(f"env.entry_point '{entry_point}' cannot be imported: {exc}") from exc
    ensure_registered(settings)
    if settings["id"] not in gym.registry:
        raise invalid_choice("env id", settings["id"], gym.registry.keys())


def has_dynamics_request(settings: dict[str, Any]) -> bool:
    fixed = any(v is not None for v in (settings.get("dynamics") or {}).values())
    schedule = (settings.get("schedule") or {}).get("name", "constant") != "constant"
    return fixed or schedule or bool(settings.get("observe"))


def check_in_process(settings: dict[str, Any]) -> None:
    """Builds one env here and closes it. For SubprocVecEnv: a config error raised inside a
    worker reaches the main process as a broken pipe, not as its own one-line message."""
    make_env(settings).close()


def make_env(settings: dict[str, Any], render_mode: str | None = None) -> gym.Env:
    """One env as the config describes it (id or entry point, kwargs, episode limit), wrapped
    in ``DynamicsWrapper`` when the env has a dynamics spec."""
    ensure_registered(settings)
    kwargs = dict(settings.get("kwargs") or {})
    if settings.get("max_episode_steps") is not None:
        kwargs["max_episode_steps"] = settings["max_episode_steps"]
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    spec = load_spec(settings["dynamics_spec"]) if settings.get("dynamics_spec") else None
    env = gym.make(settings["id"], **kwargs)
    if spec is not None:
        env = DynamicsWrapper(
            env,
            spec,
            build_schedule(settings.get("schedule")),
            fixed=settings.get("dynamics"),
            observe=() if settings.get("observe_estimated") else settings.get("observe") or (),
            step_scale=int(settings.get("step_scale", 1)),
        )
    elif has_dynamics_request(settings):
        raise ConfigError(f"env={settings['name']} has no dynamics_spec; its physics cannot change")
    if settings.get("observe_estimated"):
        env = estimated_context(env, settings)
    return env


def estimated_context(env: gym.Env, settings: dict[str, Any]) -> gym.Env:
    """``env`` with the identifier's estimates appended (``env.observe_estimated``); with
    ``env.observe`` too, both must name the same parameters (the estimates replace the truth)."""
    from rl_evolve.sysid.identifier import load_identifier
    from rl_evolve.sysid.wrapper import EstimatedContext

    identifier = load_identifier(settings["observe_estimated"])
    names, observed = list(identifier.shape.names), list(settings.get("observe") or [])
    if observed and observed != names:
        raise ConfigError(
            f"env.observe={observed} but the identifier estimates {names}: name the same "
            f"parameters, or drop env.observe"
        )
    if settings.get("dynamics_spec"):
        spec = load_spec(settings["dynamics_spec"])
        unknown = [n for n in names if n not in spec.params]
        if unknown:
            raise ConfigError(f"the identifier estimates {unknown}, which env={settings['name']} lacks")
    return EstimatedContext(env, identifier)


def train_settings(cfg: DictConfig) -> dict[str, Any]:
    """The env node plus the run's dynamics schedule; time runs over the whole run's steps."""
    return {
        **env_settings(cfg.env),
        "schedule": OmegaConf.to_container(cfg.dynamics, resolve=True),
        "step_scale": cfg.n_envs,
    }


def eval_settings(cfg: DictConfig) -> dict[str, Any]:
    """Evaluation runs on fixed dynamics: the env's, with ``eval.dynamics`` on top; no schedule."""
    settings = env_settings(cfg.env)
    extra = OmegaConf.to_container(cfg.eval.dynamics, resolve=True)
    if extra:
        settings["dynamics"] = {**settings["dynamics"], **flatten(extra)}
    return settings


def build_vec_env(
    settings: dict[str, Any], n_envs: int, seed: int, kind: str = "dummy", torch_threads: int | None = 1
):
    """A Monitor-wrapped, seeded SB3 VecEnv of ``n_envs`` copies (``kind``: dummy | subproc);
    SubprocVecEnv workers set ``torch_threads`` before building their env."""
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    if kind == "subproc" and n_envs > 1:
        preload_worker_modules()
        return make_vec_env(
            partial(make_worker_env, settings, torch_threads),
            n_envs=n_envs,
            seed=seed,
            vec_env_cls=SubprocVecEnv,
        )
    return make_vec_env(partial(make_env, settings), n_envs=n_envs, seed=seed, vec_env_cls=DummyVecEnv)


def normalize_kwargs(cfg: DictConfig) -> dict[str, Any] | None:
    """zoo's ``normalize``: ``true`` or VecNormalize's keyword arguments (``{norm_obs: true,
    norm_reward: false}``), the rewards discounted with the algorithm's ``gamma``; None: off."""
    value = cfg.get("normalize")
    if not value:
        return None
    kwargs = {} if value is True else OmegaConf.to_container(value, resolve=True)
    if "gamma" in cfg.algo:
        kwargs.setdefault("gamma", float(cfg.algo.gamma))
    return kwargs


def normalized(venv, kwargs: dict[str, Any], stats: Path | None = None, training: bool = True):
    """``venv`` in SB3's ``VecNormalize``, with the statistics saved in ``stats`` when given; an
    evaluation env (``training=False``) neither updates them nor normalises rewards."""
    from stable_baselines3.common.vec_env import VecNormalize

    if stats is not None:
        try:
            env = VecNormalize.load(str(stats), venv)
        except Exception as exc:  # a truncated or foreign pickle
            raise ConfigError(f"normalisation statistics '{stats}' are corrupt: {exc}") from exc
    else:
        env = VecNormalize(venv, **kwargs)
    if not training:
        env.training, env.norm_reward = False, False
    return env


# What a SubprocVecEnv worker runs: SB3's worker loop (which imports SB3 and torch) and this module.
WORKER_MODULES = ["__main__", "stable_baselines3.common.vec_env.subproc_vec_env", __name__]


def preload_worker_modules() -> None:
    """SB3 starts SubprocVecEnv workers from Python's forkserver, one per process. By default each
    worker imports SB3 and torch for itself (seconds of CPU each: docs/performance.md); imported
    once in the forkserver, every worker forks with them loaded. Takes effect only before the
    forkserver's first start."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        multiprocessing.set_forkserver_preload(WORKER_MODULES)


def make_worker_env(settings: dict[str, Any], torch_threads: int | None = 1) -> gym.Env:
    """``make_env`` inside a SubprocVecEnv worker, which uses the run's thread count and leaves
    Ctrl-C to the main process: a terminal sends SIGINT to every process of the group, and a
    worker that died of it would break the main process's pipes before it could stop cleanly
    and save its checkpoint."""
    from rl_evolve.runtime import set_torch_threads

    set_torch_threads(torch_threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return make_env(settings)


def save_dynamics_clocks(vec_env, path: Path) -> None:
    """Writes each env copy's schedule clock (``DynamicsWrapper.schedule_clock``); nothing for envs
    without dynamics. Written as part of the rolling checkpoint, which stages its files
    (``train.save_rolling_checkpoint``)."""
    if not vec_env.has_attr("schedule_clock"):
        return
    path.write_text(json.dumps(vec_env.env_method("schedule_clock")))


def restore_dynamics_clocks(vec_env, path: Path) -> None:
    """Continues each env copy's schedule from ``save_dynamics_clocks``'s file, if there is one."""
    if not path.is_file() or not vec_env.has_attr("schedule_clock"):
        return
    clocks = json.loads(path.read_text())
    if len(clocks) != vec_env.num_envs:
        raise ConfigError(f"{path} holds {len(clocks)} schedule clocks for {vec_env.num_envs} envs")
    for i, clock in enumerate(clocks):
        vec_env.env_method("set_schedule_clock", clock, indices=[i])
