"""Loaders return the documented shapes and classes; splits are seeded and disjoint."""

from __future__ import annotations

import numpy as np
import pytest

from rl_evolve.errors import ConfigError
from rl_evolve.supervised.datasets import load_bbc_news, load_fashion_mnist, load_mnist, split_indices


def test_mnist_is_5000_digits_of_28x28_in_ten_classes():
    data = load_mnist()
    assert data.inputs.shape == (5000, 1, 28, 28) and data.inputs.dtype == np.float32
    assert 0.0 <= data.inputs.min() and data.inputs.max() <= 1.0
    assert sorted(set(data.labels.tolist())) == list(range(10))


def test_bbc_news_has_five_sorted_topics_and_no_duplicate_article():
    data = load_bbc_news()
    assert data.class_names == ["business", "entertainment", "politics", "sports", "tech"]
    assert len(set(data.inputs)) == len(data.inputs)
    assert len(data) == 2225 - 98  # 98 articles are exact duplicates of others


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
