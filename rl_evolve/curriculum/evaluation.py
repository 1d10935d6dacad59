"""Continual evaluation: every evaluation measures the agent on every stage's task."""

from __future__ import annotations

from typing import Any

from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import VecEnv, sync_envs_normalization

from rl_evolve.curriculum.stages import Stage
from rl_evolve.scoring.normalise import normalise


class ContinualEvaluator:
    """Evaluates a model on every task; keeps the history the metrics are computed from."""

    def __init__(
        self,
        stages: list[Stage],
        envs: dict[str, VecEnv],
        random_returns: dict[str, float],
        episodes: int,
        deterministic: bool = True,
    ):
        self.stages, self.envs, self.episodes = stages, envs, episodes
        self.deterministic = deterministic
        self.random_returns = random_returns
        self.history: list[dict[str, Any]] = []

    def normalised(self, task: str, value: float, clip: bool = True) -> float:
        stage = next(s for s in self.stages if s.name == task)
        return normalise(value, self.random_returns[task], stage.best_return, clip)

    def _returns(self, model: BaseAlgorithm, episodes: int, tag: str) -> dict[str, float]:
        """Mean return per task over ``episodes``, logged as ``curriculum/<tag>/<task>/...``."""
        returns = {}
        for task, env in self.envs.items():
            sync_envs_normalization(model.get_env(), env)  # VecNormalize's statistics, when used
            mean, _ = evaluate_policy(model, env, n_eval_episodes=episodes, deterministic=self.deterministic)
            returns[task] = float(mean)
            model.logger.record(f"curriculum/{tag}/{task}/mean_return", float(mean))
            model.logger.record(f"curriculum/{tag}/{task}/normalised", self.normalised(task, float(mean)))
        return returns

    def evaluate(
        self, model: BaseAlgorithm, stage: Stage, stage_step: int, global_step: int
    ) -> dict[str, float]:
        """Mean return per task; recorded in the history and on ``model``'s logger."""
        returns = self._returns(model, self.episodes, "eval")
        model.logger.record("curriculum/stage", stage.index)
        self.history.append(
            {"global_step": global_step, "stage": stage.index, "stage_step": stage_step, "returns": returns}
        )
        return returns

    def final(self, model: BaseAlgorithm, episodes: int) -> dict[str, float]:
        """Mean return per task over ``episodes`` fresh episodes, at the end of a stage: what
        the R matrix and forgetting are computed from. Not part of the learning curves (an
        evaluation that ended a stage early was the first lucky one, biased upward)."""
        return self._returns(model, episodes, "final_eval")


class ContinualEvalCallback(BaseCallback):
    """Every ``freq`` environment steps: evaluate on all tasks; end the stage at its threshold."""

    def __init__(self, evaluator: ContinualEvaluator, stage: Stage, freq: int, offset: int):
        super().__init__()
        self.evaluator, self.stage, self.freq, self.offset = evaluator, stage, freq, offset
        self.reached_at: int | None = None
        self._next = freq

    def _on_step(self) -> bool:
        if self.num_timesteps < self._next:
            return True
        self._next += self.freq
        returns = self.evaluator.evaluate(
            self.model, self.stage, self.num_timesteps, self.offset + self.num_timesteps
        )
        self.logger.dump(self.num_timesteps)
        if returns[self.stage.name] >= self.stage.threshold:
            self.reached_at = self.num_timesteps
            return False
        return True
