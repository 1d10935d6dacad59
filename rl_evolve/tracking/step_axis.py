"""One TensorBoard step axis across several SB3 ``learn`` calls (curriculum stages)."""

from __future__ import annotations

from stable_baselines3.common.logger import Logger


class StepOffsetLogger(Logger):
    """SB3's ``Logger`` that adds ``offset`` to every step it writes.

    Each stage's agent counts its own ``num_timesteps`` from 0 (so its schedules run over its
    own budget); the runner sets ``offset`` to the steps of the stages before, so every tag is
    plotted against the run's total environment steps.
    """

    def __init__(self, folder: str | None, output_formats: list, offset: int = 0):
        super().__init__(folder, output_formats)
        self.offset = offset

    def dump(self, step: int = 0) -> None:
        super().dump(step + self.offset)
