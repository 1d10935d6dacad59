"""``task=train curriculum=<name>``: an agent trained stage by stage, its networks carried forward.

Each stage builds a fresh SB3 agent for its env (so schedules, exploration and the optimizer
run over the stage's own budget), takes its weights from the source as ``transfer.mode`` says,
and learns until the continual evaluation on its task reaches the threshold or the budget is
spent. One ``StepOffsetLogger`` keeps every TensorBoard tag on the run's total-steps axis.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from stable_baselines3 import TD3
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList

from rl_evolve.agents import algorithm_class, build_agent
from rl_evolve.curriculum import metrics
from rl_evolve.curriculum.evaluation import ContinualEvalCallback, ContinualEvaluator
from rl_evolve.curriculum.stages import Stage, build_stages
from rl_evolve.env_factory import (
    build_vec_env,
    check_env_exists,
    check_in_process,
    normalize_kwargs,
    normalized,
)
from rl_evolve.errors import ConfigError
from rl_evolve.runtime import show_progress_bar
from rl_evolve.scoring.normalise import clip01, random_policy_return
from rl_evolve.tasks.base import RLTask, Seeds
from rl_evolve.tracking.callbacks import DivergenceCallback, DynamicsLogCallback, StopOnInterrupt
from rl_evolve.tracking.run_folder import written_together
from rl_evolve.tracking.step_axis import StepOffsetLogger
from rl_evolve.transfer import (
    PenaltyLogCallback,
    SourceWeights,
    fine_tune_config,
    load_source,
    policy_fisher,
    transfer_into,
    weights_of,
)


def stage_results(
    stages: list[Stage], evaluator: ContinualEvaluator, records: list[dict[str, Any]]
) -> dict[str, Any]:
    """R (raw and normalised), per-stage jumpstart and AUC, average performance, forgetting."""
    tasks = [s.name for s in stages[: len(records)]]
    norm = evaluator.normalised
    raw = [[r["final_returns"][t] for t in tasks] for r in records]
    unclipped = [[evaluator.normalised(t, row[j], clip=False) for j, t in enumerate(tasks)] for row in raw]
    matrix = [[clip01(v) for v in row] for row in unclipped]
    for stage, record in zip(stages, records, strict=False):  # fewer records after a Ctrl-C
        own = [h for h in evaluator.history if h["stage"] == stage.index]
        curve = [norm(stage.name, h["returns"][stage.name]) for h in own]
        record["jumpstart"] = curve[0]
        record["auc"] = metrics.stage_auc([h["stage_step"] for h in own], curve, stage.budget)
    out: dict[str, Any] = {
        "tasks": tasks,
        "R_raw": raw,
        "R": matrix,
        "R_unclipped": unclipped,
        "R_clipped": [
            [i, j] for i, row in enumerate(unclipped) for j, v in enumerate(row) if v != matrix[i][j]
        ],
    }
    if len(records) == len(stages):
        forget = metrics.forgetting(matrix)
        out["average_performance"] = metrics.average_performance(matrix)
        # The last task cannot be forgotten.
        out["forgetting"] = dict(zip(tasks[:-1], forget[:-1], strict=True))
        out["mean_forgetting"] = float(np.mean(forget[:-1])) if len(tasks) > 1 else 0.0
    return out


def _keep_replay(model: BaseAlgorithm, previous: BaseAlgorithm | None) -> bool:
    """Hands the previous stage's replay buffer to ``model`` when both store the same shapes."""
    old, new = getattr(previous, "replay_buffer", None), getattr(model, "replay_buffer", None)
    if old is None or new is None or type(old) is not type(new):
        return False
    if (old.obs_shape, old.action_dim, old.n_envs, old.buffer_size) != (
        new.obs_shape,
        new.action_dim,
        new.n_envs,
        new.buffer_size,
    ):
        return False
    model.replay_buffer = old  # type: ignore[attr-defined]
    return True


def _stage_env(
    cfg: DictConfig, seeds: Seeds, stage: Stage, previous: BaseAlgorithm | None, transferring: bool
):
    """The stage's training env; with ``normalize``, in VecNormalize, whose statistics continue
    the previous stage's when its networks are carried forward (they were learnt on those)."""
    settings = {**stage.settings(cfg.env), "step_scale": cfg.n_envs}
    env = build_vec_env(
        settings, cfg.n_envs, seeds.stage(stage.index), str(cfg.vec_env.value), cfg.torch_threads
    )
    norm = normalize_kwargs(cfg)
    if norm is None:
        return env
    env = normalized(env, norm)
    before = previous.get_vec_normalize_env() if previous is not None and transferring else None
    if before is not None:
        env.obs_rms, env.ret_rms = copy.deepcopy(before.obs_rms), copy.deepcopy(before.ret_rms)
    return env


def _train_stage(
    cfg: DictConfig,
    seeds: Seeds,
    stage: Stage,
    source: SourceWeights | None,
    previous: BaseAlgorithm | None,
    evaluator: ContinualEvaluator,
    logger: StepOffsetLogger,
    global_step: int,
) -> tuple[BaseAlgorithm, Any, dict[str, Any]]:
    """One stage: a fresh agent for the stage's env, weights from ``source``, training until the
    threshold or the budget, then a fresh evaluation of every task. Returns the agent, its env
    and the stage's record."""
    transferring = str(cfg.transfer.mode.value) != "none" and source is not None
    env = _stage_env(cfg, seeds, stage, previous, transferring)
    model = build_agent(fine_tune_config(cfg) if transferring else cfg, env)
    record: dict[str, Any] = {
        "stage": stage.index,
        "name": stage.name,
        "dynamics": stage.dynamics,
        "budget": stage.budget,
        "threshold": stage.threshold,
        "start_step": global_step,
        "transfer": None,
    }
    callbacks: list[BaseCallback] = [DivergenceCallback(), DynamicsLogCallback()]
    if transferring:
        report, penalty = transfer_into(
            model,
            source,
            cfg.transfer,  # type: ignore[arg-type]
            f"[stage {stage.index} {stage.name}] ",
        )
        kept = cfg.transfer.keep_replay and _keep_replay(model, previous)
        record["transfer"] = {**report.as_dict(), "kept_replay": kept}
        if kept:
            print(f"[stage {stage.index} {stage.name}] replay buffer kept")
        if penalty is not None:
            callbacks.append(PenaltyLogCallback(penalty))
            record["transfer"]["penalised_tensors"] = len(penalty.params)
    logger.offset = global_step
    model.set_logger(logger)
    if record["transfer"]:
        for kind in ("copied", "reinitialised", "frozen"):
            logger.record(f"transfer/{kind}", len(record["transfer"][kind]))
    first = evaluator.evaluate(model, stage, 0, global_step)
    logger.dump(0)
    reached_at: int | None = 0 if first[stage.name] >= stage.threshold else None
    if reached_at is None:
        stop = StopOnInterrupt()
        continual = ContinualEvalCallback(evaluator, stage, cfg.curriculum.eval_freq, global_step)
        model.learn(
            stage.budget,
            callback=CallbackList([stop, continual, *callbacks]),
            progress_bar=show_progress_bar(cfg.progress_bar),
        )
        reached_at = continual.reached_at
        if stop.requested:
            raise KeyboardInterrupt
    steps = model.num_timesteps
    last = evaluator.history[-1]
    if (last["stage"], last["stage_step"]) != (stage.index, steps):
        evaluator.evaluate(model, stage, steps, global_step + steps)
        logger.dump(steps)
    final = evaluator.final(model, cfg.curriculum.final_eval_episodes)
    logger.dump(steps)
    record.update(
        steps=steps,
        reached_threshold=reached_at is not None,
        steps_to_threshold=reached_at,
        end_returns=evaluator.history[-1]["returns"],
        final_returns=final,
    )
    return model, env, record


def _reference_returns(cfg: DictConfig, seeds: Seeds, stages: list[Stage]) -> dict[str, float]:
    """Each task's uniformly random policy return: 0 of its normalised scale."""
    random_returns = {}
    for s in stages:
        env = build_vec_env(s.settings(cfg.env), 1, seeds.random)
        random_returns[s.name] = random_policy_return(env, cfg.curriculum.random_episodes, cfg.seed)
        env.close()
        if s.best_return <= random_returns[s.name]:
            raise ConfigError(
                f"curriculum stage '{s.name}': best_return {s.best_return} is not above "
                f"the random policy's {random_returns[s.name]:.1f}"
            )
    return random_returns


class Curriculum(RLTask):
    """Trains through ``cfg.curriculum``; its score is the final average normalised performance."""

    name = "curriculum"

    def check(self) -> None:
        super().check()
        if str(self.cfg.transfer.penalty.value) == "ewc" and issubclass(algorithm_class(self.cfg.algo), TD3):
            raise ConfigError(
                f"transfer.penalty=ewc weights by the Fisher of the policy's action "
                f"distribution; algo={self.cfg.algo.name}'s policy is deterministic: use "
                f"transfer.penalty=l2sp"
            )
        self.stages = build_stages(self.cfg)
        check_env_exists(self.stages[0].settings(self.cfg.env))

    def build(self) -> None:
        cfg, stages = self.cfg, self.stages
        self.env = None
        # Built here first, so a bad dynamics value fails with its own message before training.
        self.eval_envs = {s.name: build_vec_env(s.settings(cfg.env), 1, self.seeds.eval) for s in stages}
        if normalize_kwargs(cfg) is not None:  # scored with the training statistics (synced), frozen
            self.eval_envs = {
                name: normalized(env, {}, training=False) for name, env in self.eval_envs.items()
            }
        if cfg.vec_env.value == "subproc":
            check_in_process(stages[0].settings(cfg.env))
        self.source: SourceWeights | None = load_source(cfg.transfer.source) if cfg.transfer.source else None
        self.random_returns = _reference_returns(cfg, self.seeds, stages)
        self.evaluator = ContinualEvaluator(
            stages,
            self.eval_envs,
            self.random_returns,
            cfg.curriculum.eval_episodes,
            cfg.curriculum.eval_deterministic,
        )
        self.records: list[dict[str, Any]] = []
        self.global_step = 0
        self.logger: StepOffsetLogger | None = None

    def identity(self) -> dict[str, Any]:
        cfg = self.cfg
        return {
            "curriculum": cfg.curriculum.name,
            "algo": cfg.algo.name,
            "env": cfg.env.name,
            "env_id": cfg.env.id,
            "n_envs": cfg.n_envs,
            "replay": cfg.replay.name,
            "transfer": OmegaConf.to_container(cfg.transfer, resolve=True),
            "reference_returns": {
                s.name: {"random": self.random_returns[s.name], "best": s.best_return} for s in self.stages
            },
        }

    def hparams(self) -> dict[str, Any]:
        return {
            **super().hparams(),
            "curriculum": self.cfg.curriculum.name,
            "transfer.mode": str(self.cfg.transfer.mode.value),
            "transfer.penalty": str(self.cfg.transfer.penalty.value),
        }

    def work(self) -> None:
        cfg, folder = self.cfg, self.folder
        assert self.recorder is not None
        mode, penalty_kind = str(cfg.transfer.mode.value), str(cfg.transfer.penalty.value)
        folder.checkpoints.mkdir(parents=True, exist_ok=True)
        self.logger = logger = self.recorder.logger(offset_axis=True)  # type: ignore[assignment]
        source, previous = self.source, None
        for stage in self.stages:
            model, self.env, record = _train_stage(
                cfg, self.seeds, stage, source, previous, self.evaluator, logger, self.global_step
            )  # type: ignore[arg-type]
            stage_file = folder.checkpoints / f"stage{stage.index}_{stage.name}.zip"
            files = (
                stage_file,
                folder.last_model,
                stage_file.with_suffix(".vecnormalize.pkl"),
                folder.last_normalization,
            )
            with written_together(*files) as (stage_zip, last_zip, stage_stats, last_stats):
                model.save(stage_zip)
                model.save(last_zip)
                if model.get_vec_normalize_env() is not None:
                    model.get_vec_normalize_env().save(str(stage_stats))  # type: ignore[union-attr]
                    model.get_vec_normalize_env().save(str(last_stats))  # type: ignore[union-attr]
            if mode != "none":
                source = weights_of(model, f"stage {stage.name}")
                if penalty_kind == "ewc":
                    source.fisher = policy_fisher(model, self.env, cfg.transfer.fisher_samples, cfg.seed)
            previous = model
            self.global_step += record["steps"]
            self.records.append(record)
            self.recorder.update(
                stages=self.records, timesteps=self.global_step, evaluations=self.evaluator.history
            )
            self.env.close()
            self.env = None

    def progress(self) -> dict[str, Any]:
        return {
            "stages": self.records,
            "timesteps": self.global_step,
            "evaluations": self.evaluator.history,
            **stage_results(self.stages, self.evaluator, self.records),
        }

    def results(self) -> dict[str, Any]:
        fields = self.progress()
        metrics.heatmap(
            fields["R"],
            fields["tasks"],
            str(self.folder.root / "R_matrix.png"),
            f"{self.cfg.curriculum.name}, transfer={self.cfg.transfer.mode.value}, seed {self.cfg.seed}",
        )
        self.fields = fields
        return fields

    def score(self) -> float | None:
        return self.fields.get("average_performance")

    def report(self) -> None:
        _print_results(self.fields)

    def close(self) -> None:
        if getattr(self, "logger", None) is not None:
            self.logger.close()  # type: ignore[union-attr]
        for env in [*getattr(self, "eval_envs", {}).values(), getattr(self, "env", None)]:
            if env is not None:
                env.close()


def _print_results(summary: dict[str, Any]) -> None:
    print(f"{'stage':<20} {'steps':>8} {'to threshold':>13} {'jumpstart':>10} {'AUC':>6}  end return")
    for r in summary["stages"]:
        reached = str(r["steps_to_threshold"]) if r["reached_threshold"] else "not reached"
        print(
            f"{r['name']:<20} {r['steps']:>8} {reached:>13} {r['jumpstart']:>10.2f} {r['auc']:>6.2f}  "
            f"{r['end_returns'][r['name']]:.1f}"
        )
    print("R (normalised; row: after stage i, column: task j):")
    for name, row in zip(summary["tasks"], summary["R"], strict=True):
        print(f"  {name:<20} " + " ".join(f"{v:5.2f}" for v in row))
    print(
        f"average performance {summary['average_performance']:.3f}, "
        f"mean forgetting {summary['mean_forgetting']:.3f}"
    )
