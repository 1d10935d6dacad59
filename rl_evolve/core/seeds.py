"""Every random stream of a run, derived once from ``seed=``, and the one place that seeds the
global generators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from stable_baselines3.common.utils import set_random_seed


@dataclass(frozen=True)
class Seeds:
    """Every random stream of a run, derived once from ``seed=``.

    Streams sit 10,000 apart (training, evaluation and world, random-policy references, reference
    episodes); curriculum stage ``i`` trains on ``train + 1000 i`` for its first nine stages and
    above every other stream after that, so no two streams of one run share a seed."""

    train: int
    STREAM: ClassVar[int] = 10_000
    STAGE: ClassVar[int] = 1_000

    @property
    def eval(self) -> int:
        """Evaluation episodes, and the deployed world of ``task=evolve``."""
        return self.train + self.STREAM

    @property
    def random(self) -> int:
        """Episodes of a uniformly random policy (0 of the normalised scale)."""
        return self.train + 2 * self.STREAM

    @property
    def reference(self) -> int:
        """Reference episodes of a champion at home (1 of the normalised scale)."""
        return self.train + 3 * self.STREAM

    def agent(self, index: int) -> int:
        """The ``index``-th agent of a deployment (task=evolve: challengers, a shadow learner,
        continual's learner), each its own stream apart from the world's (a deployment has no
        curriculum stages, the only other streams up there)."""
        return self.train + 5 * self.STREAM + index

    def stage(self, index: int) -> int:
        if index < self.STREAM // self.STAGE:
            return self.train + index * self.STAGE
        return self.train + 4 * self.STREAM + index * self.STAGE


def seed_everything(seed: int) -> None:
    """Python's, numpy's and torch's global generators: the one place a run seeds them."""
    set_random_seed(seed)
