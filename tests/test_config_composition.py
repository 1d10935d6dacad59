"""The composed config: defaults, per-env tuned values, and command-line overrides."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from rl_evolve.agents import algorithm_kwargs
from rl_evolve.config.groups import group_options
from rl_evolve.config.validate import check_tuned_tables
from rl_evolve.curriculum.stages import build_stages


def test_default_is_ppo_on_cartpole_with_zoo_tuned_values(composed):
    cfg = composed()
    assert (cfg.algo.name, cfg.env.id) == ("ppo", "CartPole-v1")
    assert cfg.algo.n_steps == 32 and cfg.algo.n_epochs == 20 and cfg.algo.gae_lambda == 0.8
    assert cfg.total_timesteps == 100_000 and cfg.n_envs == 8


def test_command_line_override_beats_the_tuned_value(composed):
    cfg = composed("algo.n_steps=64", "total_timesteps=500")
    assert cfg.algo.n_steps == 64 and cfg.total_timesteps == 500


def test_field_without_a_tuned_value_takes_the_sb3_default(composed):
    cfg = composed("env=pendulum")
    assert cfg.algo.vf_coef == 0.5 and cfg.algo.use_sde is True


def test_dqn_on_acrobot_takes_acrobots_dqn_table(composed):
    cfg = composed("algo=dqn", "env=acrobot")
    assert cfg.algo.learning_rate == pytest.approx(6.3e-4)
    assert list(cfg.algo.net_arch) == [256, 256] and cfg.n_envs == 1


def test_linear_schedules_become_callables(composed):
    kwargs = algorithm_kwargs(composed().algo)
    assert kwargs["learning_rate"](1.0) == pytest.approx(1e-3)
    assert kwargs["learning_rate"](0.5) == pytest.approx(5e-4)
    assert kwargs["clip_range"](0.0) == pytest.approx(0.0)


@pytest.mark.parametrize("env", group_options("env"))
@pytest.mark.parametrize("algo", group_options("algo"))
def test_every_shipped_tuned_table_names_only_real_fields(composed, env, algo):
    cfg = composed(f"algo={algo}", f"env={env}")
    check_tuned_tables(cfg)
    OmegaConf.to_container(cfg, resolve=True)  # every interpolation resolves to a valid type


ENV_PRESETS = [
    (env, preset)
    for preset in group_options("dynamics")
    for env in group_options("env")
    if preset.startswith(env + "_")
    and not any(preset.startswith(other + "_") and len(other) > len(env) for other in group_options("env"))
]


@pytest.mark.parametrize(("env", "preset"), ENV_PRESETS)
def test_every_env_named_dynamics_preset_builds_on_its_env(composed, env, preset):
    from rl_evolve.env_factory import make_env, train_settings

    world = make_env(train_settings(composed(f"env={env}", f"dynamics={preset}")))
    world.reset(seed=0)
    world.step(world.action_space.sample())
    world.close()


def test_evaluation_dynamics_override_the_training_ones(composed):
    from rl_evolve.env_factory import eval_settings, train_settings

    cfg = composed("env.dynamics.length=0.5", "+eval.dynamics.length=1.5", "dynamics=cartpole_longer_pole")
    assert train_settings(cfg)["dynamics"]["length"] == 0.5
    assert train_settings(cfg)["schedule"]["name"] == "cartpole_longer_pole"
    assert eval_settings(cfg)["dynamics"]["length"] == 1.5 and "schedule" not in eval_settings(cfg)


def test_a_curriculum_brings_its_env_and_transfer_defaults_to_full(composed):
    cfg = composed("algo=dqn", "curriculum=mountaincar_engine")
    assert cfg.env.id == "MountainCar-v0" and cfg.transfer.mode.value == "full"
    assert [s.name for s in cfg.curriculum.stages] == ["strong_engine", "medium_engine", "standard_engine"]
    assert composed().curriculum is None


@pytest.mark.parametrize("curriculum", group_options("curriculum"))
def test_every_shipped_curriculum_builds_its_stages(composed, curriculum):
    cfg = composed(f"curriculum={curriculum}")
    stages = build_stages(cfg)
    assert len(stages) >= 2
    assert all(s.threshold <= s.best_return for s in stages)  # else no stage could advance early


def test_a_long_sweep_folder_name_is_cut_with_a_hash_and_stays_unique():
    from rl_evolve.tracking.run_names import MAX_DIRNAME, job_dirname

    long_a, long_b = "x:" + "a" * 300, "x:" + "a" * 299 + "b"
    assert job_dirname("seed:1") == "seed:1"
    assert job_dirname("evolve.champion:runs/a/s0+seed:0") == "evolve.champion:runs%a%s0+seed:0"
    assert len(job_dirname(long_a)) == MAX_DIRNAME and job_dirname(long_a) != job_dirname(long_b)


@pytest.mark.parametrize(
    "overrides",
    [
        "seed:0+total_timesteps:500",
        "algo.learning_rate:1e-3+env:acrobot",
        "+eval.grid.length:[0.5, 1]+tune.seeds:[0,1]+x:-2",
    ],
)
def test_a_sweep_jobs_folder_is_taken_back_unquoted_as_a_value(overrides):
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from rl_evolve.tracking.run_names import job_dirname

    folder = f"runs/default/multirun_2026-12-01_10-00-00/{job_dirname(overrides)}"
    assert OverridesParser.create().parse_override(f"source={folder}").value() == folder


def test_a_run_folder_already_taken_by_another_process_is_not_shared(tmp_path):
    from rl_evolve.tracking.run_names import claim_folder

    wanted = tmp_path / "2026-01-01_00-00-00_ppo_CartPole-v1_s0"
    wanted.mkdir()  # another run started in the same second claimed it
    mine = claim_folder(str(wanted))
    assert mine == f"{wanted}_2" and (tmp_path / mine).is_dir()
    assert claim_folder(str(wanted)) == mine  # Hydra resolving the run dir again gets the same


@pytest.mark.parametrize(("data", "epochs"), [("mnist", 30), ("fashion_mnist", 10)])
def test_a_dataset_config_carries_the_recipe_behind_its_reported_figure(composed, data, epochs):
    cfg = composed("task=supervised", f"data={data}")
    assert cfg.fit.epochs == epochs and cfg.fit.scheduler.T_max == epochs


def test_command_line_fit_overrides_win_over_the_dataset_recipe(composed):
    cfg = composed("task=supervised", "data=mnist", "fit.epochs=10", "fit.augment_shift=0")
    assert cfg.fit.epochs == 10 and cfg.fit.scheduler.T_max == 10 and cfg.fit.augment_shift == 0


def test_each_task_composes_only_the_groups_it_uses(composed):
    rl, supervised = composed(), composed("task=supervised")
    assert rl.model is None and rl.data is None and rl.fit is None
    assert supervised.algo is None and supervised.env is None and supervised.curriculum is None
    assert supervised.model.name == "cnn" and supervised.fit.batch_size == 64


@pytest.mark.parametrize(
    "algo",
    ["a2c", "ars", "crossq", "ddpg", "dqn", "ppo", "qrdqn", "recurrent_ppo", "sac", "td3", "tqc", "trpo"],
)
@pytest.mark.parametrize("task", ["train", "tune", "evolve", "evaluate"])
def test_every_algorithm_composes_with_every_rl_task(composed, algo, task):
    env = "pendulum" if algo in ("crossq", "ddpg", "sac", "td3", "tqc") else "cartpole"
    cfg = composed(f"task={task}", f"algo={algo}", f"env={env}", "dynamics=constant")
    assert cfg.algo.name == algo and OmegaConf.to_container(cfg.algo, resolve=True)
    if task == "tune":
        assert set(cfg.tune.space) <= set(cfg.algo), "its search space names fields of its algo"
