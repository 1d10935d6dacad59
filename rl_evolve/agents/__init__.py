"""Builds SB3 algorithms from the ``algo`` (and ``replay``) config nodes."""

from rl_evolve.agents.builder import (
    algorithm_class,
    algorithm_kwargs,
    build_agent,
    check_agent_config,
    load_agent,
    replay_variant,
)

__all__ = [
    "algorithm_class",
    "algorithm_kwargs",
    "build_agent",
    "check_agent_config",
    "load_agent",
    "replay_variant",
]
