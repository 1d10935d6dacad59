"""The ``rl-evolve`` command: the single ``@hydra.main`` and one-line reporting of bad input."""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
from omegaconf import DictConfig
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    InterpolationResolutionError,
    OmegaConfBaseException,
)

from rl_evolve.config import register
from rl_evolve.config.groups import group_options, task_groups
from rl_evolve.errors import ConfigError, Diverged, RunInterrupted, closest_first, invalid_choice, listing
from rl_evolve.runtime import collect_nothing_at_exit
from rl_evolve.tracking.run_names import new_command

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_DIVERGED = 3
_HYDRA_FILES = {".hydra"}


def _remove_if_only_hydra_files(run_dir: Path) -> None:
    """A run that failed validation leaves no half-written folder behind (nor an empty
    ``resumes/`` in the run it tried to continue)."""
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= _HYDRA_FILES:
        shutil.rmtree(run_dir, ignore_errors=True)
        if run_dir.parent.name == "resumes" and not any(run_dir.parent.iterdir()):
            run_dir.parent.rmdir()


@hydra.main(config_path="pkg://rl_evolve.conf", config_name="config", version_base="1.3")
def _app(cfg: DictConfig) -> float | None:
    from rl_evolve.tasks import run_task

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        return run_task(cfg, run_dir)
    except Diverged as exc:  # reported here: through Hydra it would gain a traceback
        print(f"rl-evolve: diverged: {exc}", file=sys.stderr)
        sys.exit(EXIT_DIVERGED)
    except Exception as exc:
        message = explain(exc)
        if message is None:
            raise
        _remove_if_only_hydra_files(run_dir)
        _fail(message)  # SystemExit passes through Hydra's job runner untouched
    return None


def _fail(message: str) -> None:
    print(f"rl-evolve: error: {message}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def _resolver_error(exc: BaseException) -> BaseException | None:
    """The ValueError a resolver raised, under OmegaConf's wrapping, if any."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ValueError) and not isinstance(seen, OmegaConfBaseException):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _raised_by_hydra(exc: BaseException) -> bool:
    """Whether the innermost frame of the exception's traceback is Hydra's own code."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(tb.tb_frame.f_globals.get("__name__", "")).startswith("hydra.")


def explain(exc: BaseException) -> str | None:
    """A one-line message for a user error, or None for a genuine bug (keep the traceback)."""
    if isinstance(exc, ConfigError):
        return str(exc)
    if isinstance(exc, OverrideParseException):
        key, _, value = exc.override.partition("=")
        return (
            f"cannot read the override '{exc.override}' ({exc.message.splitlines()[0]}); a value "
            f"holding = , [ ] {{ }} ( ) or spaces needs quotes: \"{key}='{value}'\""
        )
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file:
        group, _, option = exc.missing_cfg_file.rpartition("/")
        if group:
            return str(invalid_choice(f"{group} option", option, group_options(group)))
        return str(exc).splitlines()[0]
    cause = exc.__cause__ if isinstance(exc, ConfigCompositionException) else exc
    if isinstance(cause, (ConfigKeyError, ConfigAttributeError)) and cause.key is not None:
        schema = cause.object_type
        full_key = cause.full_key or str(cause.key)
        if schema is not None and dataclasses.is_dataclass(schema):
            parent, _, leaf = full_key.rpartition(".")
            ordered = closest_first(leaf, [f.name for f in dataclasses.fields(schema)])
            prefix = f"{parent}." if parent else ""
            return (
                f"unknown key '{full_key}'; did you mean '{prefix}{ordered[0]}'? "
                f"valid keys{' of ' + parent if parent else ''}: {listing(ordered)}"
            )
        parent_node = getattr(cause, "parent_node", None)
        known = [str(k) for k in parent_node.keys()] if hasattr(parent_node, "keys") else []
        leaf = str(cause.key)
        close = [
            k
            for k in closest_first(leaf, known)
            if difflib.SequenceMatcher(None, leaf.lower(), k.lower()).ratio() >= 0.6
        ]
        if close:
            parent = full_key.rpartition(".")[0]
            return (
                f"unknown key '{full_key}'; did you mean '{parent}.{close[0]}'? "
                f"valid keys of {parent}: {listing(closest_first(leaf, known))}"
            )
        return (
            f"unknown key '{full_key}'; to add a key to a free-form table, prefix the override "
            f"with '+' (+{full_key}=...)"
        )
    if isinstance(cause, InterpolationResolutionError):
        inner = _resolver_error(cause)
        if inner is not None:
            return str(inner)  # a resolver's own message (e.g. resume=<not a run>)
    if isinstance(cause, OmegaConfBaseException):
        first = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        key = getattr(cause, "full_key", None)
        return f"bad value for '{key}': {first}" if key else first
    missing = re.match(r"Could not override '([\w/]+)'\. No match in the defaults list", str(exc))
    if isinstance(exc, ConfigCompositionException) and missing:
        uses = "; ".join(f"task={task} takes {', '.join(groups)}" for task, groups in task_groups().items())
        return f"{missing.group(1)}= does not apply to this task ({uses})"
    if (
        isinstance(exc, (ConfigCompositionException, MissingConfigException))
        or type(exc).__module__.startswith("hydra")
        or (isinstance(exc, ValueError) and _raised_by_hydra(exc))
    ):
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        return "; ".join(lines[:2]) if lines else type(exc).__name__
    return None


def main() -> None:
    """Console entry point: runs the Hydra app; bad input exits non-zero with one line."""
    collect_nothing_at_exit()  # first, so that it runs after every other exit handler
    os.environ["HYDRA_FULL_ERROR"] = "1"  # let exceptions reach explain() instead of Hydra's report
    if os.getcwd() not in sys.path:  # a user's own env modules, as `python -m` would find them;
        sys.path.append(os.getcwd())  # after everything installed, so they shadow nothing
    register()
    new_command()
    try:
        _app()
    except RunInterrupted as stop:
        print(f"rl-evolve: {stop.advice()}", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        print("rl-evolve: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - reshaped into one line below, or re-raised
        message = explain(exc)
        if message is None:
            raise
        _fail(message)
