"""Word vectors from co-occurrence in the training texts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rl_evolve.supervised import embeddings
from rl_evolve.supervised.embeddings import cooccurrence_counts, cooccurrence_embeddings


def test_pairs_within_the_window_are_counted_both_ways_and_documents_do_not_touch():
    counts = cooccurrence_counts([[2, 3, 4], [5, 2]], vocab_size=6, window=1).toarray()
    expected = np.zeros((6, 6))
    for a, b in [(2, 3), (3, 4), (5, 2)]:
        expected[a, b] = expected[b, a] = 1
    np.testing.assert_array_equal(counts, expected)  # 4 and 5 are in different documents


@pytest.mark.parametrize("svd", ["dense", "sparse"])
def test_words_that_share_contexts_get_closer_vectors_than_words_that_do_not(svd, monkeypatch):
    if svd == "sparse":  # the ARPACK path that large vocabularies take
        monkeypatch.setattr(embeddings, "DENSE_SVD_MAX", 0)
    rng = np.random.default_rng(0)
    sport, politics = [2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13]
    documents = [list(rng.choice(topic, size=40)) for _ in range(30) for topic in (sport, politics)]
    table = embeddings.cooccurrence_embeddings(documents, 14, dim=4, window=3)
    vectors = torch.nn.functional.normalize(table, dim=1)
    same_topic = vectors[2] @ vectors[3]
    other_topic = vectors[2] @ vectors[8]
    assert same_topic > other_topic + 0.5


def test_the_table_has_zero_rows_for_padding_and_unknown_and_unit_scale():
    documents = [[2, 3, 4, 5, 2, 3], [4, 5, 6, 7, 6, 7]]
    table = cooccurrence_embeddings(documents, vocab_size=8, dim=3, window=2)
    assert table.shape == (8, 3)
    assert torch.all(table[:2] == 0)
    assert abs(float(table[2:].std(correction=0)) - 1.0) < 1e-5


def test_texts_without_two_neighbouring_words_are_refused():
    with pytest.raises(ValueError, match="no two words of the training texts occur within 5 tokens"):
        cooccurrence_embeddings([[2], [3]], vocab_size=4, dim=3)
