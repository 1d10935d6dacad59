"""A search space samples what its YAML says, in the algo's own terms (zoo's derived values too)."""

from __future__ import annotations

import optuna
import pytest
from omegaconf import OmegaConf

from rl_evolve.config.schema import ParamSpace
from rl_evolve.errors import ConfigError
from rl_evolve.tune.space import check_space, sample


def space(**specs) -> OmegaConf:
    schema = OmegaConf.structured(ParamSpace)
    return OmegaConf.create({k: OmegaConf.merge(schema, v) for k, v in specs.items()})


def sampled(specs, n=30) -> list[dict]:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    out = []
    for _ in range(n):
        trial = study.ask()
        out.append(sample(trial, specs))
        study.tell(trial, 0.0)
    return out


def test_ranges_and_choices_give_values_of_their_kind_within_bounds():
    values = sampled(
        space(
            learning_rate={"type": "float", "low": 1e-5, "high": 1.0, "log": True},
            n_epochs={"type": "int", "low": 1, "high": 20},
            batch_size={"type": "categorical", "choices": [16, 32]},
        )
    )
    assert all(1e-5 <= v["learning_rate"] <= 1.0 for v in values)
    assert all(isinstance(v["n_epochs"], int) and 1 <= v["n_epochs"] <= 20 for v in values)
    assert {v["batch_size"] for v in values} == {16, 32}


def test_named_choices_give_their_list_values_and_optuna_records_the_names():
    specs = space(net_arch={"type": "categorical", "choices": {"tiny": [64], "medium": [256, 256]}})
    values = sampled(specs)
    assert {tuple(v["net_arch"]) for v in values} == {(64,), (256, 256)}


def test_one_minus_samples_the_distance_from_one():
    values = sampled(
        space(gamma={"type": "float", "low": 1e-4, "high": 0.03, "log": True, "one_minus": True})
    )
    assert all(0.97 <= v["gamma"] <= 0.9999 for v in values)


def test_a_divisor_gives_zoos_gradient_steps_from_train_freq():
    values = sampled(
        space(
            train_freq={"type": "categorical", "choices": [1, 4, 256]},
            gradient_steps={"type": "categorical", "choices": [1, 2, 8], "divides": "train_freq"},
        )
    )
    assert {v["gradient_steps"] for v in values if v["train_freq"] == 1} == {1}  # max(1 // s, 1)
    assert {v["gradient_steps"] for v in values if v["train_freq"] == 256} <= {256, 128, 32}
    assert len({v["gradient_steps"] for v in values}) > 2


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ({"gamma": {"type": "float", "low": 0.99, "high": 0.9}}, "empty range"),
        ({"gamma": {"type": "float", "low": 0.0, "high": 0.1, "log": True}}, "log range needs low > 0"),
        ({"gamma": {"type": "categorical", "choices": []}}, "no choices"),
        ({"gamma": {"type": "float", "low": 0.9}}, "needs low and high"),
        (
            {"gradient_steps": {"type": "int", "low": 1, "high": 4, "divides": "train_freq"}},
            "another key of tune.space",
        ),
        ({"gama": {"type": "float", "low": 0.9, "high": 0.99}}, "did you mean 'gamma'?"),
    ],
)
def test_an_unsampleable_space_is_refused_naming_the_key(specs, message):
    algo = OmegaConf.create(
        {"name": "dqn", "_target_": "x", "gamma": 0.99, "gradient_steps": 1, "train_freq": 4}
    )
    with pytest.raises(ConfigError, match=message.replace("?", r"\?").replace("(", r"\(")):
        check_space(space(**specs), algo)
