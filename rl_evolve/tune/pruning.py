"""A trial's periodic evaluations go to its pruner; a pruned trial's run stops with status ``pruned``."""

from __future__ import annotations

import optuna
from stable_baselines3.common.callbacks import BaseCallback, EvalCallback

from rl_evolve.errors import RunStopped


class Pruned(RunStopped, optuna.TrialPruned):
    """The pruner stopped the trial: its run folder says ``pruned``, Optuna records it PRUNED."""

    status = "pruned"


class ReportToTrial(BaseCallback):
    """Runs after each of ``EvalCallback``'s evaluations (``callback_after_eval``): reports the mean
    return to the trial at ``offset`` + the run's step (a trial's seeds run one after another, so
    every trial's n-th report is the same seed at the same step) and stops a pruned trial."""

    parent: EvalCallback

    def __init__(self, trial: optuna.Trial, offset: int = 0):
        super().__init__()
        self.trial, self.offset = trial, offset

    def _on_step(self) -> bool:
        step = self.offset + self.num_timesteps
        self.trial.report(float(self.parent.last_mean_reward), step)
        if self.trial.should_prune():
            raise Pruned(f"pruned at step {step} with an evaluation of {self.parent.last_mean_reward:.1f}")
        return True
