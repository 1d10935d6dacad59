"""SB3 callbacks for what every run records: HParams and a rolling "last" checkpoint."""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable
from typing import Any

import torch
from stable_baselines3.common.callbacks import BaseCallback, CheckpointCallback
from stable_baselines3.common.logger import HParam

from rl_evolve.errors import Diverged

# The scalars the HParams table shows beside each run's hyperparameters.
HPARAM_METRICS = ("eval/mean_reward", "rollout/ep_rew_mean")


class HParamsCallback(BaseCallback):
    """Logs the run's hyperparameters once, so TensorBoard's HParams tab compares runs."""

    def __init__(self, hparams: dict[str, Any]):
        super().__init__()
        self.hparams = {k: v if isinstance(v, (int, float, str, bool)) else str(v)
                        for k, v in hparams.items()}

    def _on_training_start(self) -> None:
        metrics = {name: 0.0 for name in HPARAM_METRICS}
        self.logger.record("hparams", HParam(self.hparams, metrics),
                           exclude=("stdout", "log", "json", "csv"))

    def _on_step(self) -> bool:
        return True


class LastCheckpointCallback(CheckpointCallback):
    """SB3's ``CheckpointCallback`` writing to one rolling ``last.zip`` instead of one per save;
    ``on_save`` writes what else a resumed run needs from the same moment."""

    def __init__(self, *args: Any, on_save: Callable[[], None] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.on_save = on_save

    def _on_step(self) -> bool:
        due = self.n_calls % self.save_freq == 0
        keep_going = super()._on_step()
        if due and self.on_save is not None:
            self.on_save()
        return keep_going

    def _checkpoint_path(self, checkpoint_type: str = "", extension: str = "") -> str:
        kind = f"_{checkpoint_type.rstrip('_')}" if checkpoint_type else ""
        return f"{self.save_path}/last{kind}.{extension}"


class DynamicsLogCallback(BaseCallback):
    """Logs ``dynamics/<param>`` (mean over the env copies) after every rollout.

    Reads the wrappers' ``current_dynamics`` through ``VecEnv.get_attr``, so it works in
    DummyVecEnv and SubprocVecEnv alike; SB3's logger puts it on the run's step axis.
    """

    def _on_rollout_end(self) -> None:
        per_env = self.training_env.get_attr("current_dynamics")
        for name in per_env[0]:
            self.logger.record(f"dynamics/{name}", sum(d[name] for d in per_env) / len(per_env))

    def _on_step(self) -> bool:
        return True


class StopOnInterrupt(BaseCallback):
    """Ctrl-C (SIGINT) asks training to stop at the next step instead of raising mid-step.

    A KeyboardInterrupt raised inside a checkpoint write leaves a corrupt file; this callback
    lets the step finish and returns False, which is SB3's way to end ``learn`` cleanly. A second
    Ctrl-C raises KeyboardInterrupt at once.
    """

    def __init__(self) -> None:
        super().__init__()
        self.requested = False
        self._previous: Any = None

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def _on_training_start(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)

    def _on_training_end(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _on_step(self) -> bool:
        return not self.requested


class DivergenceCallback(BaseCallback):
    """Stops training when the last update's loss or a policy weight is NaN or infinite, before
    the next rollout steps (so no checkpoint callback writes broken weights over good ones)."""

    def _on_rollout_start(self) -> None:
        for key, value in self.logger.name_to_value.items():
            if key.startswith("train/") and key.endswith("loss") and not math.isfinite(float(value)):
                raise Diverged(f"{key} is {value} at step {self.num_timesteps}")
        for name, tensor in self.model.policy.state_dict().items():
            if not torch.isfinite(tensor).all():
                raise Diverged(f"policy weight '{name}' is not finite at step {self.num_timesteps}")

    def _on_step(self) -> bool:
        return True
