"""The config groups and their options as shipped in ``conf/`` (schemas left out)."""

from __future__ import annotations

from importlib import resources

CONF_PACKAGE = "rl_evolve.conf"


def group_options(group: str) -> list[str]:
    """Option names of a config group, e.g. ``group_options("algo") == ["dqn", "ppo"]``."""
    folder = resources.files(CONF_PACKAGE)
    for part in group.split("/"):
        folder = folder / part
    if not folder.is_dir():
        return []
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def groups() -> list[str]:
    """The config groups: folders of ``conf/`` holding YAML files, and such folders inside them
    (``evolve/detector``); ``hydra/`` holds presets for Hydra's own groups and is left out."""
    root = resources.files(CONF_PACKAGE)
    top = sorted(p.name for p in root.iterdir() if p.is_dir() and group_options(p.name))
    nested = [
        f"{g}/{p.name}"
        for g in top
        for p in (root / g).iterdir()
        if p.is_dir() and group_options(f"{g}/{p.name}")
    ]
    return sorted(top + nested)


def groups_help() -> str:
    """``group: option1, option2`` lines for ``rl-evolve --help``."""
    return "\n".join(f"  {g}: {', '.join(group_options(g))}" for g in groups())


def task_groups() -> dict[str, list[str]]:
    """``{task: [config groups it composes]}``, read from ``conf/task/<task>.yaml``."""
    from omegaconf import OmegaConf

    out = {}
    for task in group_options("task"):
        text = (resources.files(CONF_PACKAGE) / "task" / f"{task}.yaml").read_text()
        entries = OmegaConf.create(text).get("defaults", [])
        out[task] = [str(k).lstrip("/") for entry in entries if not isinstance(entry, str) for k in entry]
    return out
