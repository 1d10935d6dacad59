"""One-line user errors: what was wrong, and the valid choices with the closest match first."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """A bad input the user can fix (config, env id, checkpoint). Printed as one line."""


class Diverged(ArithmeticError):
    """A loss or a weight became NaN or infinite: the run stops, its last good checkpoint kept."""


class RunStopped(Exception):
    """A callback ended a run early on purpose (a pruned tuning trial); the summary records
    ``status`` and the exception passes on to whoever asked for the stop."""

    status = "stopped"


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run cleanly: its folder, and whether ``resume=`` can continue it."""

    def __init__(self, folder: object, resumable: bool = True):
        super().__init__(str(folder))
        self.folder, self.resumable = folder, resumable

    def advice(self) -> str:
        line = f"interrupted; the last checkpoint was saved in {self.folder}"
        return line + (f"; continue with: rl-evolve resume={self.folder}" if self.resumable else "")


def closest_first(value: str, choices: Iterable[str]) -> list[str]:
    """``choices`` sorted by similarity to ``value``, most similar first."""
    choices = sorted(set(choices))
    return sorted(
        choices,
        key=lambda c: -difflib.SequenceMatcher(None, value.lower(), c.lower()).ratio(),
    )


def listing(ordered: list[str], limit: int = 12) -> str:
    """``a, b, c`` cut after ``limit`` items with a count of the rest."""
    shown = ", ".join(ordered[:limit])
    return shown + (f", ... ({len(ordered) - limit} more)" if len(ordered) > limit else "")


def invalid_choice(what: str, value: str, choices: Iterable[str]) -> ConfigError:
    """``unknown <what> 'value'; did you mean 'x'? valid: x, y, z``, closest choice first."""
    ordered = closest_first(value, choices)
    hint = f"; did you mean '{ordered[0]}'?" if ordered else ";"
    return ConfigError(f"unknown {what} '{value}'{hint} valid: {listing(ordered)}")
