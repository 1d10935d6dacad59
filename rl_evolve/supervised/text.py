"""The project's own tokenizer and vocabulary, saved with every text model's checkpoint."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import torch

PAD, UNK = "<pad>", "<unk>"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-cased words and numbers; punctuation dropped."""
    return _WORD.findall(text.lower())


@dataclass
class Vocabulary:
    """Token ids: 0 is padding, 1 out-of-vocabulary, then words by falling frequency."""

    tokens: list[str] = field(default_factory=lambda: [PAD, UNK])
    max_length: int = 400

    @classmethod
    def build(
        cls, texts: Iterable[str], max_size: int = 20_000, min_freq: int = 1, max_length: int = 400
    ) -> Vocabulary:
        counts = Counter(token for text in texts for token in tokenize(text))
        ranked = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
        return cls([PAD, UNK, *ranked[: max(max_size - 2, 0)]], max_length)

    def __post_init__(self) -> None:
        self._ids = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, truncate: bool = True) -> list[int]:
        """Token ids, truncated to ``max_length`` unless told otherwise; unknown words map to
        ``<unk>`` (1)."""
        tokens = tokenize(text)
        return [self._ids.get(t, 1) for t in (tokens[: self.max_length] if truncate else tokens)]

    def decode(self, ids: Sequence[int]) -> list[str]:
        return [self.tokens[i] for i in ids if i != 0]

    def encode_batch(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded ids (batch, longest) and the true lengths."""
        encoded = [self.encode(t) or [1] for t in texts]
        lengths = torch.tensor([len(e) for e in encoded])
        padded = torch.zeros(len(encoded), int(lengths.max()), dtype=torch.long)
        for row, ids in enumerate(encoded):
            padded[row, : len(ids)] = torch.tensor(ids)
        return padded, lengths

    def state_dict(self) -> dict:
        return {"tokens": self.tokens, "max_length": self.max_length}

    @classmethod
    def from_state_dict(cls, state: dict) -> Vocabulary:
        return cls(list(state["tokens"]), int(state["max_length"]))


def reindex_rows(
    table: torch.Tensor, source: Vocabulary, vocab: Vocabulary, fill: torch.Tensor
) -> torch.Tensor:
    """A per-token table of ``source``'s (an embedding, or its Fisher) re-indexed by ``vocab``: a
    token both know gets its source row, any other keeps its row of ``fill``."""
    shared = [(i, source._ids[t]) for i, t in enumerate(vocab.tokens) if t in source._ids]
    rows, source_rows = (torch.tensor(x, dtype=torch.long) for x in zip(*shared, strict=True))
    out = fill.detach().clone()
    out[rows] = table[source_rows].to(out.dtype)
    return out
