"""Config schemas (dataclasses in Hydra's ConfigStore), resolvers and pre-flight validation."""

from rl_evolve.config.store import register

__all__ = ["register"]
