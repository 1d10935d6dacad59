"""Structured-config schemas: every config the CLI composes is validated against these.

Dataclass defaults are Stable-Baselines3's own defaults. The YAML files in ``conf/algo/`` set
each tunable field to ``${tuned:}``, which resolves to the per-env tuned value from
``conf/env/<name>.yaml`` (``hyperparams.<algo>.<field>``) when the env has one, and to the
default here when it does not. A command-line override replaces the interpolation, so it wins.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from omegaconf import MISSING

from rl_evolve.config.algorithms import AlgoConfig
from rl_evolve.envs import schedules


class VecEnvKind(str, Enum):
    dummy = "dummy"
    subproc = "subproc"


# Whose alarm starts an adaptation ("return" is a keyword, hence the functional form).
Signal = Enum("Signal", {name: name for name in ("either", "return", "surprise", "estimate")}, type=str)


@dataclass
class ReplayConfig:
    """Uniform replay: SB3's own ``ReplayBuffer``."""

    name: str = "uniform"


@dataclass
class PrioritizedReplayConfig(ReplayConfig):
    """Proportional PER (Schaul et al. 2016): a ReplayBuffer subclass (``_target_``; SB3 builds it
    from the class) and, per algorithm that can use it, the variant whose training step uses its
    weights and sets its priorities (``algorithms``)."""

    name: str = "prioritized"
    _target_: str = "rl_evolve.replay.prioritized.PrioritizedReplayBuffer"
    # the variant of each algorithm that can use it (its training step weights and re-prioritises)
    algorithms: dict[str, str] = field(
        default_factory=lambda: {
            "dqn": "rl_evolve.agents.per_dqn.PERDQN",
            "qrdqn": "rl_evolve.agents.per_qrdqn.PERQRDQN",
            "sac": "rl_evolve.agents.per_actor_critic.PERSAC",
            "td3": "rl_evolve.agents.per_actor_critic.PERTD3",
        }
    )
    alpha: float = 0.6
    beta0: float = 0.4  # annealed linearly to 1.0 over training
    eps: float = 1e-6
    double_q: bool = False  # Double DQN targets (dqn only)


def schedule_schema(cls: type) -> type:
    """The structured config of a schedule class: its own fields and defaults (declared once, in
    ``envs/schedules.py``) plus ``_target_`` naming the class, which builds it."""
    hints = typing.get_type_hints(cls)
    members: list[tuple[str, Any, Any]] = [
        ("_target_", str, field(default=f"{cls.__module__}.{cls.__name__}"))
    ]
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            members.append((f.name, hints[f.name], field(default=f.default)))
        else:
            members.append((f.name, hints[f.name], field(default_factory=f.default_factory)))
    return dataclasses.make_dataclass(f"{cls.__name__}Config", members)


ScheduleConfig = schedule_schema(schedules.Constant)
PiecewiseConfig = schedule_schema(schedules.Piecewise)
LinearConfig = schedule_schema(schedules.Linear)
SineConfig = schedule_schema(schedules.Sine)
RandomConfig = schedule_schema(schedules.Random)
PeriodicConfig = schedule_schema(schedules.Periodic)
BurstConfig = schedule_schema(schedules.Burst)
RandomJumpConfig = schedule_schema(schedules.RandomJump)


@dataclass
class EnvConfig:
    """One environment: a registered Gymnasium id, or ``module:Class`` given as ``entry_point``."""

    name: str = MISSING
    id: str = MISSING
    entry_point: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    max_episode_steps: int | None = None
    # "module:NAME" of a DynamicsSpec (envs/<file>.py); None: the env has no changeable physics.
    dynamics_spec: str | None = None
    # Fixed physical parameters; null keeps the env's own value.
    dynamics: dict[str, Any] = field(default_factory=dict)
    # Parameters appended (normalised to [0, 1]) to the observation, for context-aware agents.
    observe: list[str] = field(default_factory=list)
    # A task=identify run: its estimates of the parameters it identifies are appended instead
    # (the same [0, 1] scale), inferred from the observation and action history.
    observe_estimated: str | None = None
    # hyperparams[<algo name>][<field>]: tuned values, e.g. from rl-baselines3-zoo.
    hyperparams: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The 0 and 1 of the normalised return in reports: a uniformly random policy's mean return
    # (benchmarks/random_returns.py) and the "solved" level (gymnasium's reward_threshold).
    random_return: float | None = None
    reference_return: float | None = None


@dataclass
class EvalConfig:
    freq: int = 10_000  # environment steps between evaluations (summed over the n_envs)
    n_episodes: int = 10
    deterministic: bool = True
    # Evaluate on other dynamics than training (e.g. {length: 2.0}); no schedule runs in eval.
    dynamics: dict[str, Any] = field(default_factory=dict)
    # task=evaluate: every combination of these physical parameter values (a generalisation map)
    grid: dict[str, Any] = field(default_factory=dict)  # {param: [values]}; mass.torso nests
    video: bool = False  # task=evaluate: record episodes as MP4 (Gymnasium's RecordVideo)
    video_episodes: int = 1


@dataclass
class CheckpointConfig:
    freq: int = 25_000  # environment steps between rolling "last" checkpoints
    save_replay_buffer: bool = True


class TransferMode(str, Enum):
    """What a stage takes from its source network."""

    none = "none"  # a fresh agent: the scratch reference
    full = "full"  # every weight (the networks must be identical)
    trunk = "trunk"  # every tensor whose name and shape match; the rest re-initialised
    frozen_trunk = "frozen_trunk"  # as trunk, and the copied layers below the heads frozen


class PenaltyKind(str, Enum):
    none = "none"
    l2sp = "l2sp"  # pull toward the source weights (Li et al. 2018)
    ewc = "ewc"  # the same, weighted by the diagonal Fisher of the source (Kirkpatrick et al. 2017)


@dataclass
class TransferConfig:
    """How networks carry over: between curriculum stages, or from ``source`` into a new run."""

    mode: TransferMode = TransferMode.full
    # An earlier run folder (its checkpoints/last.zip) or an SB3 .zip; None: the previous stage.
    source: str | None = None
    penalty: PenaltyKind = PenaltyKind.none
    strength: float = 1.0
    fisher_samples: int = 500  # states visited by the trained policy, for EWC's Fisher
    reset_optimizer: bool = True  # false: the optimizer state carries over too (mode=full only)
    keep_replay: bool = True  # off-policy agents keep the previous stage's replay buffer
    rewarm_exploration: bool = False  # DQN: restart epsilon at exploration_initial_eps
    # off-policy: act randomly for algo.learning_starts steps first, as a fresh SB3 agent does
    # (false: a transferred agent acts with its policy from its first step)
    random_warmup: bool = False


@dataclass
class StageConfig:
    """One task of a curriculum: the env with these dynamics, until threshold or budget."""

    name: str = MISSING
    dynamics: dict[str, Any] = field(default_factory=dict)
    budget: int = MISSING  # environment steps at most
    threshold: float = MISSING  # mean evaluation return that ends the stage early
    best_return: float = MISSING  # best known return on this task: 1 of the normalised scale


@dataclass
class CurriculumConfig:
    """A sequence of stages on the run's ``env``; every evaluation measures every stage's task."""

    name: str = MISSING
    stages: list[StageConfig] = MISSING
    eval_freq: int = 5_000  # environment steps between continual evaluations
    eval_episodes: int = 5  # per task and evaluation
    # per task, once more at the end of every stage: the R matrix and forgetting come from these
    final_eval_episodes: int = 20
    # false: evaluate the stochastic policy. A fresh PPO network's argmax often balances
    # CartPole by chance, which a deterministic evaluation would count as transfer.
    eval_deterministic: bool = True
    random_episodes: int = 20  # of a uniformly random policy: 0 of the normalised scale


@dataclass
class ModelConfig:
    name: str = MISSING
    # Fine-tune from an earlier supervised run folder (or its .pt checkpoint): every parameter
    # whose name and shape match is copied; fit.penalty pulls toward the copied values.
    source: str | None = None


@dataclass
class CNNConfig(ModelConfig):
    name: str = "cnn"
    channels: list[int] = field(default_factory=lambda: [32, 64])
    kernel_size: int = 3
    hidden: int = 128
    dropout: float = 0.25


class Pooling(str, Enum):
    last = "last"  # the final hidden state of each direction
    max = "max"  # the maximum of the outputs over the sequence
    mean = "mean"  # the average of the outputs over the sequence
    mean_max = "mean_max"  # both, concatenated


class EmbeddingInit(str, Enum):
    random = "random"  # torch's N(0, 1)
    cooccurrence = "cooccurrence"  # SVD of word co-occurrence (PPMI) in the training texts


@dataclass
class LSTMConfig(ModelConfig):
    name: str = "lstm"
    embedding_dim: int = 100
    hidden_size: int = 128
    num_layers: int = 1
    bidirectional: bool = True
    dropout: float = 0.3
    max_vocab: int = 20_000
    min_freq: int = 2
    max_length: int = 400
    pooling: Pooling = Pooling.mean_max
    word_dropout: float = 0.25  # fraction of training tokens replaced with <unk>
    packed: bool = False  # run the LSTM over PackedSequences (same outputs, ~10x slower on CPU)
    embedding_init: EmbeddingInit = EmbeddingInit.cooccurrence
    cooccurrence_window: int = 5  # words at most this far apart count as co-occurring


@dataclass
class DataConfig:
    name: str = MISSING
    root: str | None = None  # where files are read from, for datasets read from files
    size: int = 600  # synthetic sets only
    n_classes: int = 3  # synthetic sets only
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    # The held-out test set is drawn with this seed alone: the same for every run seed.
    test_seed: int = 0


class FisherLabels(str, Enum):
    sampled = "sampled"
    empirical = "empirical"


@dataclass
class FitConfig:
    """The supervised Trainer's settings."""

    epochs: int = 10
    batch_size: int = 64
    optimizer: Any = field(
        default_factory=lambda: {"_target_": "torch.optim.Adam", "_partial_": True, "lr": 1e-3}
    )
    scheduler: Any = None  # e.g. {_target_: torch.optim.lr_scheduler.StepLR, _partial_: true, step_size: 5}
    grad_clip: float | None = None
    augment_shift: int = 0  # images: random translation by up to this many pixels (training only)
    early_stopping_metric: str = "accuracy"  # a validation metric: accuracy, f1, loss, ...
    patience: int = 5
    penalty: PenaltyKind = PenaltyKind.none  # toward model.source's weights
    penalty_strength: float = 0.01
    # The diagonal Fisher saved with the best checkpoint (for a later run's EWC): per-sample
    # gradients over this many training samples, labels drawn from the model ("sampled", the
    # true Fisher) or the dataset's own ("empirical").
    fisher_samples: int = 500
    fisher_labels: FisherLabels = FisherLabels.sampled


class Strategy(str, Enum):
    """How a deployed agent meets a changing world (all four spend the same step budget)."""

    static = "static"  # never adapts
    continual = "continual"  # keeps training the deployed agent all the time (plain fine-tuning)
    # continual, and a return alarm resets its optimisers' state (detector-wrapped learning)
    continual_restart = "continual_restart"
    oracle = "oracle"  # told the true change times: fine-tunes at each change, no gate
    # told which context it is in: serves the version trained there before, fine-tunes only in a
    # context it has not met yet (within oracle_tolerance of one it has)
    oracle_library = "oracle_library"
    evolve = "evolve"  # monitor, detect, adapt (reuse or challenger), gate, record


class ChallengerSource(str, Enum):
    champion = "champion"  # every challenger starts from the champion in service
    latest = "latest"  # from the newest challenger rejected since the champion took service, if any


class GateTest(str, Enum):
    welch = "welch"  # Welch's one-sided t-test (unequal variances)
    bootstrap = "bootstrap"  # one-sided bootstrap of the difference of means
    # a one-sided paired t-test on the rounds' differences, both episodes of a round started from
    # the same initial state (Welch's where the samples are not paired: probation, degradation)
    paired = "paired"


@dataclass
class EvolveConfig:
    """``task=evolve``: deploy a champion in ``dynamics``' world for ``steps`` world steps."""

    strategy: Strategy = Strategy.evolve
    # A run folder (its checkpoints/last.zip) or an SB3 .zip of ``algo``; None: the champion is
    # first trained for ``total_timesteps`` on the env's own dynamics (not counted in ``steps``).
    champion: str | None = None
    steps: int = 100_000  # the deployment's budget: every step in the world counts, any role
    deterministic: bool = True  # the policy in service acts greedily
    # the change detector, one per signal: a ``_target_`` node from the group evolve/detector
    # (cusum | adwin | page_hinkley), its settings beside it (evolve.detector.threshold=8)
    detector: Any = field(default_factory=lambda: {"_target_": "rl_evolve.evolve.detectors.CUSUM"})
    # whose alarm starts an adaptation: either (any) | return | surprise | estimate (the
    # identifier's estimate of the physics, with env.observe_estimated)
    signal: Signal = Signal["either"]
    model_steps: int = 2_000  # world steps a version's dynamics model is fitted on
    model_hidden: int = 64
    model_epochs: int = 30
    # the last world steps before an alarm, on which every version's dynamics model is scored: an
    # earlier version whose model explains them better than the champion's is gated (reuse)
    recent_steps: int = 1_000
    adapt_steps: int = 10_000  # the challenger's fine-tuning budget (taken from ``steps``)
    # where a challenger starts: the champion, or (latest) the newest challenger rejected since the
    # champion took service, so that a drifting world's training accumulates as continual's does
    challenger_from: ChallengerSource = ChallengerSource.champion
    gate_episodes: int = 10  # rounds at most (an episode each of champion and candidate)
    # sequential: promote at gate_min_rounds or at the end (alpha split over the two looks), stop
    # as soon as the candidate is measurably worse from gate_min_rounds on; false: all rounds
    gate_sequential: bool = True
    gate_min_rounds: int = 3
    # while the surprise says the world is moving, a new version (shadow, challenger) is promoted when
    # no worse than the champion by this share of the normalised scale (non-inferiority); 0: better
    gate_margin: float = 0.0
    # the family-wise error of all the run's gates (promotions and roll-backs): the k-th test of a
    # run is at gate_alpha * 6 / (pi^2 k^2) (alpha_spending), or each alarm's tests split it
    # (Bonferroni) when alpha_spending is false
    gate_alpha: float = 0.05
    alpha_spending: bool = True
    gate_test: GateTest = GateTest.welch
    # A champion whose last gate_episodes served episodes average below this normalised return
    # is adapted without an alarm, and counts as needing a challenger (a steady drift never
    # shows as a change against a champion's own, already degraded, start). None: alarms only.
    improve_below: float | None = None
    # A persistent shadow learner (off-policy algorithms) instead of challengers fine-tuned in the
    # world: it learns from every served and gated transition without acting, and a copy of it
    # is gated at each alarm (and every gate_every served episodes); rl_evolve/evolve/shadow.py
    shadow: bool = False
    shadow_updates: float | None = None  # gradient steps per world step; None: the algorithm's own ratio
    shadow_buffer: int = 20_000  # its replay holds the newest transitions only
    # on a surprise alarm its replay keeps only the last recent_steps transitions (the new world's)
    shadow_flush: bool = True
    # with shadow: also gate it after this many served episodes, if the champion's last ones average
    # below improve_below (None: below 1, its own score at home)
    gate_every: int | None = None
    # the share of served steps that take a uniformly random action (so a shadow sees other
    # actions than the champion's); counted in summary.json's explored_steps
    explore: float = 0.0
    # with shadow: the share of served episodes the shadow learner plays itself, with its own
    # stochastic actions, so that it also learns from its own behaviour (as continual does);
    # those world steps are acted by a learning policy: summary.json's steps_by_role.learner
    shadow_serves: float = 0.0
    # with shadow: when at an adaptation the champion's last served returns (or, after a gate that
    # finds the shadow's copy not better, its gate returns) are below its home level (as gate_every
    # judges), the shadow learner takes service: it plays
    # every episode with its own stochastic actions, learning from them as continual does
    # (steps_by_role.learner); each time its last gate_episodes returns are above the champion's
    # gate returns, a frozen copy of it is gated in the world (promoted: it serves); after
    # adapt_steps world steps without a gate the champion serves again (and the cadence gates it)
    shadow_takeover: bool = False
    # with shadow_takeover: a takeover also ends when the world looks like the champion's home again
    # (its dynamics model's surprise on each of the learner's last gate_min_rounds episodes is below
    # this; 1: its own validation error) and a gate there shows the champion better than a frozen
    # copy of the learner; None: only a promotion or adapt_steps end it
    takeover_home: float | None = None
    # with shadow: a promoted copy's dynamics model is fitted at its promotion on the last
    # model_steps world steps (the world it was gated in), so a change after it surprises it at
    # once; false: on its first model_steps served steps, as every version's
    shadow_model_at_promotion: bool = False
    # with shadow: Dyna, planning gradient steps per world step on transitions a world model
    # (s, a -> s' - s, reward, termination; fitted on the shadow's replay every dyna_every world
    # steps) imagines for the shadow's own actions: dyna_starts branches of dyna_horizon steps
    # from real served states; no world step is spent; rl_evolve/evolve/imagination.py. 0: off
    dyna_updates: float = 0.0
    dyna_horizon: int = 1
    dyna_starts: int = 1_000
    dyna_every: int = 2_000
    # reuse needs this much evidence, in nats per recent step: the CUSUM of the log-likelihood
    # ratio of the recent transitions under an earlier version's dynamics model against the
    # champion's (a second model of the same world gives about 0.2)
    reuse_evidence: float = 1.0
    # a snapshot to resume from (resume=<run>) after every adaptation and every this many served episodes
    snapshot_every: int = 20
    # oracle: fine-tune when a true parameter has moved by more than this fraction since the last time
    oracle_tolerance: float = 0.05
    # the normalised return's 0 and 1: a random policy's (measured) and this; None: the champion's
    # mean over 20 episodes on the env's own dynamics, measured before the deployment
    best_return: float | None = None


class ParamType(str, Enum):
    float = "float"
    int = "int"
    categorical = "categorical"


@dataclass
class ParamSpace:
    """How one ``algo`` key is sampled: a ``float`` or ``int`` range (``log``: on a log scale), or
    ``categorical`` choices (a list of values, or ``{name: value}`` when values are lists, e.g.
    ``net_arch``, as Optuna records only plain values)."""

    type: ParamType = MISSING
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: Any = None
    one_minus: bool = False  # the range is of 1 - value (zoo's one_minus_gamma, log-sampled)
    # the key's value is max(<algo.divides> // sampled, 1): zoo's subsample_steps for gradient_steps
    divides: str | None = None


class SamplerKind(str, Enum):
    tpe = "tpe"  # Optuna's TPESampler (random for the first n_startup_trials)
    random = "random"


class PrunerKind(str, Enum):
    median = "median"  # stop a trial whose evaluation is below the median of earlier trials at that step
    halving = "halving"  # asynchronous successive halving
    none = "none"


@dataclass
class TuneConfig:
    """``task=tune``: an Optuna study of ``algo``'s hyperparameters on ``env``, each trial trained
    for ``total_timesteps`` on each of ``seeds``; its objective is the mean final evaluation."""

    study_name: str = MISSING
    dir: str = MISSING  # the study's folder: storage, trial run folders, best parameters, plots
    storage: str | None = None  # an RDB URL; None: sqlite:///<dir>/study.db
    n_trials: int = 40  # finished (complete or pruned) trials in the study, over all workers
    timeout: float | None = None  # seconds this worker starts new trials for
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    sampler: SamplerKind = SamplerKind.tpe
    pruner: PrunerKind = PrunerKind.median
    n_startup_trials: int = 5  # random trials before TPE; trials finished before pruning starts
    warmup_steps: int = 5_000  # of a trial's first seed: evaluations before it are never pruned
    worker: int = 0  # several workers share a study; each seeds its sampler with seed + worker
    space: dict[str, ParamSpace] = field(default_factory=dict)  # keys: fields of ``algo``


@dataclass
class SysIdConfig:
    """System identification: ``task=collect`` gathers trajectories under ``dynamics=random``;
    ``task=identify`` trains an identifier on them (docs/sysid.md)."""

    # collect
    episodes: int = 200
    policy: str | None = None  # a run folder or SB3 .zip whose agent acts; null: uniform random actions
    deterministic: bool = False
    # identify
    data: str | None = None  # a task=collect run folder
    test_data: list[str] = field(default_factory=list)  # more collect runs to score (e.g. outside the range)
    model: str = "lstm"  # lstm | mlp
    window: int = 16  # rows of (observation, previous action) history the identifier reads
    hidden: int = 64
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 1e-3
    val_fraction: float = 0.2  # of the episodes, for early stopping and the in-range figures
    patience: int = 5


@dataclass
class Config:
    # conf/task/<task>.yaml sets both: the task's name and the Task subclass that runs it.
    task: str = "train"
    task_class: str | None = None
    # A task's own settings where the schema has no node for it (a user's task, docs/architecture.md).
    task_args: dict[str, Any] = field(default_factory=dict)
    experiment: str = "default"
    runs_dir: str = "runs"
    seed: int = 0
    total_timesteps: int | None = None  # RL tasks set these (from the env's tuned table)
    n_envs: int | None = None
    # SB3's VecNormalize over the training env (zoo's normalize: true, or its keyword arguments);
    # its statistics are saved beside every checkpoint and used wherever the agent acts
    normalize: Any = False
    vec_env: VecEnvKind = VecEnvKind.dummy
    device: str = "cpu"
    # torch intra-op threads (and BLAS pools) for the run and every process it starts; null:
    # torch's default. One is fastest for these small networks, and stays fast on a busy machine.
    torch_threads: int | None = 1
    progress_bar: bool = True
    resume: str | None = None
    source: str | None = None  # task=evaluate: the run folder or SB3 .zip to score
    eval: EvalConfig = field(default_factory=EvalConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    # The nodes below are composed by the task that uses them (conf/task/); null otherwise.
    algo: AlgoConfig | None = None  # each option of the group is a subclass (PPOConfig, ...)
    env: EnvConfig | None = None
    replay: ReplayConfig | None = None
    dynamics: Any = None  # a schedule's schema (ScheduleConfig, PiecewiseConfig, ...)
    curriculum: CurriculumConfig | None = None
    transfer: TransferConfig | None = None
    model: ModelConfig | None = None
    data: DataConfig | None = None
    fit: FitConfig | None = None
    evolve: EvolveConfig | None = None
    tune: TuneConfig | None = None
    sysid: SysIdConfig | None = None
