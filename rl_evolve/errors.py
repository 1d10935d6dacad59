"""One-line user errors: what was wrong, and the valid choices with the closest match first."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ConfigError(ValueError):
    """A bad input the user can fix (config, env id, checkpoint). Printed as one line."""


def closest_first(value: str, choices: Iterable[str]) -> list[str]:
    """``choices`` sorted by similarity to ``value``, most similar first."""
    choices = sorted(set(choices))
    return sorted(
        choices,
        key=lambda c: -difflib.SequenceMatcher(None, value.lower(), c.lower()).ratio(),
    )


def invalid_choice(what: str, value: str, choices: Iterable[str]) -> ConfigError:
    """``unknown <what> 'value'; valid: a, b, c`` with the closest choice first."""
    ordered = closest_first(value, choices)
    hint = f"; did you mean '{ordered[0]}'?" if ordered else ""
    return ConfigError(f"unknown {what} '{value}'{hint} valid: {', '.join(ordered)}")
