"""Word vectors from the training texts themselves: a truncated SVD of the positive pointwise
mutual information (PPMI) between words that occur near each other (Levy, Goldberg & Dagan,
2015). Nothing is downloaded; words that share contexts get similar vectors, so a classifier
trained on a few thousand documents generalises from the topic words it saw to related ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy import sparse
from scipy.sparse.linalg import svds

DENSE_SVD_MAX = 1000  # vocabulary sizes up to this use a full dense SVD


def cooccurrence_counts(
    documents: Sequence[Sequence[int]], vocab_size: int, window: int
) -> sparse.csr_matrix:
    """Symmetric counts of token pairs at most ``window`` positions apart, within a document."""
    rows, cols = [], []
    for ids in documents:
        ids = np.asarray(ids, dtype=np.int64)
        for offset in range(1, window + 1):
            rows += [ids[:-offset], ids[offset:]]
            cols += [ids[offset:], ids[:-offset]]
    if not rows:
        return sparse.csr_matrix((vocab_size, vocab_size), dtype=np.float64)
    r, c = np.concatenate(rows), np.concatenate(cols)
    counts = sparse.coo_matrix((np.ones(len(r)), (r, c)), shape=(vocab_size, vocab_size))
    return counts.tocsr()  # duplicates summed


def ppmi(counts: sparse.csr_matrix, context_smoothing: float = 0.75) -> sparse.csr_matrix:
    """max(0, log P(w, c) / (P(w) P(c))), with context counts raised to ``context_smoothing``
    (which keeps rare contexts from dominating, as word2vec's negative sampling does)."""
    counts = counts.tocoo()
    word = np.asarray(counts.sum(axis=1)).ravel()
    context = np.asarray(counts.sum(axis=0)).ravel() ** context_smoothing
    context_total = context.sum()
    # P(w, c) / (P(w) P(c)) = (n_wc / N) / ((n_w / N) (n_c^a / Z)) = n_wc Z / (n_w n_c^a)
    pmi = np.log(counts.data * context_total / (word[counts.row] * context[counts.col]))
    keep = pmi > 0
    return sparse.csr_matrix((pmi[keep], (counts.row[keep], counts.col[keep])), shape=counts.shape)


def cooccurrence_embeddings(
    documents: Sequence[Sequence[int]], vocab_size: int, dim: int, window: int = 5, seed: int = 0
) -> torch.Tensor:
    """A (vocab_size, dim) table: rows of U * sqrt(S) from the PPMI matrix's top ``dim``
    singular vectors, scaled to unit standard deviation (the scale of ``nn.Embedding``'s
    initialisation). Ids 0 and 1 (padding, unknown) get zero rows."""
    matrix = ppmi(cooccurrence_counts(documents, vocab_size, window))
    if matrix.nnz == 0:
        raise ValueError(f"no two words of the training texts occur within {window} tokens of each other")
    if vocab_size <= DENSE_SVD_MAX:  # ARPACK is for large sparse matrices; small ones go dense
        u, s, _ = np.linalg.svd(matrix.toarray())
        k = min(dim, vocab_size)
        u, s = u[:, :k], s[:k]
    else:
        k = min(dim, vocab_size - 1)
        u, s, _ = svds(matrix, k=k, v0=np.random.default_rng(seed).standard_normal(vocab_size))
    vectors = u * np.sqrt(s)
    table = np.zeros((vocab_size, dim))
    table[:, :k] = vectors
    table[:2] = 0.0
    table /= max(float(table[2:].std()), 1e-12)
    return torch.tensor(table, dtype=torch.float32)
