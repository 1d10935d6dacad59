"""A CNN image classifier and an LSTM text classifier, sized from config."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rl_evolve.config.schema import Pooling


class CNN(nn.Module):
    """Convolution blocks (conv, ReLU, 2x2 max-pool) and a fully connected head."""

    def __init__(
        self,
        in_shape: Sequence[int],
        n_classes: int,
        channels: Sequence[int] = (32, 64),
        kernel_size: int = 3,
        hidden: int = 128,
        dropout: float = 0.25,
    ):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, (_, h, w) = in_shape[0], in_shape
        for c_out in channels:
            layers += [
                nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            c_in, h, w = c_out, h // 2, w // 2
        self.trunk = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(c_in * h * w, hidden),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_classes),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(images))


POOLINGS = tuple(p.value for p in Pooling)  # the schema's choices, for models built in Python


def reversed_within_length(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """Time indices (batch, steps) that read each sequence backwards over its own length and
    leave the padding after it in place; applying the map twice is the identity."""
    t = torch.arange(steps, device=lengths.device).unsqueeze(0)
    last = lengths.unsqueeze(1) - 1
    return torch.where(t <= last, last - t, t)


def padding_mask(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    """True (batch, steps, 1) where a step lies past its sequence's length."""
    return (torch.arange(steps, device=lengths.device).unsqueeze(0) >= lengths.unsqueeze(1)).unsqueeze(2)


def gather_steps(sequences: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``sequences[b, index[b, t]]`` for every batch row b and step t."""
    return sequences.gather(1, index.unsqueeze(2).expand(-1, -1, sequences.shape[2]))


class LengthAwareLSTM(nn.Module):
    """A stacked (bi)LSTM over right-padded batches that gives the results of packed sequences.

    Each direction of each layer is its own unidirectional ``nn.LSTM``: the forward one reads the
    padded batch as it is (padding comes after every real step, so it cannot reach them), the
    backward one reads each sequence reversed within its own length. On the CPU build of torch
    this project installs, that is several times faster than one bidirectional ``nn.LSTM`` over
    a ``PackedSequence`` (``benchmarks/lstm_packing.py``). ``packed=True`` runs the same weights
    over packed sequences instead (the reference the tests compare with).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.0,
        packed: bool = False,
    ):
        super().__init__()
        directions = 2 if bidirectional else 1
        self.packed = packed
        self.output_size = directions * hidden_size
        self.layers = nn.ModuleList(
            nn.ModuleList(
                nn.LSTM(input_size if layer == 0 else self.output_size, hidden_size, batch_first=True)
                for _ in range(directions)
            )
            for layer in range(num_layers)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs (batch, steps, directions * hidden), zero past each length, and the last
        layer's final state of each direction (batch, directions * hidden). Lengths must be >= 1."""
        lengths = lengths.to(inputs.device)
        backwards = reversed_within_length(lengths, inputs.shape[1]) if len(self.layers[0]) > 1 else None
        rows = torch.arange(inputs.shape[0], device=inputs.device)
        sequences = inputs
        for depth, directions in enumerate(self.layers):
            if depth:
                sequences = self.dropout(sequences)
            outputs, finals = [], []
            for direction, lstm in enumerate(directions):
                read = sequences if direction == 0 else gather_steps(sequences, backwards)
                out = self._run(lstm, read, lengths)
                finals.append(out[rows, lengths - 1])
                outputs.append(out if direction == 0 else gather_steps(out, backwards))
            sequences = torch.cat(outputs, dim=2)
        return sequences.masked_fill(padding_mask(lengths, inputs.shape[1]), 0.0), torch.cat(finals, dim=1)

    def _run(self, lstm: nn.LSTM, sequences: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if not self.packed:
            return lstm(sequences)[0]
        packed = pack_padded_sequence(sequences, lengths.cpu(), batch_first=True, enforce_sorted=False)
        return pad_packed_sequence(lstm(packed)[0], batch_first=True, total_length=sequences.shape[1])[0]


class LSTMClassifier(nn.Module):
    """Embedding, (bi)LSTM over variable-length sequences, linear head. Token 0 is padding.

    Dropout acts on the embeddings, between LSTM layers and before the head (small corpora
    overfit the embedding table first); ``word_dropout`` replaces that fraction of a training
    batch's tokens with ``<unk>`` (id 1), so that no single word decides a document.
    ``pooling="last"`` feeds the head the final hidden state of each direction; ``"max"`` the
    element-wise maximum of the outputs over each sequence's own length, which keeps a topic
    word seen early in a long document from fading out; ``"mean"`` their average;
    ``"mean_max"`` both, side by side. ``packed`` chooses how the LSTM skips padding (see
    ``LengthAwareLSTM``); both give the same outputs.
    """

    def __init__(
        self,
        vocab_size: int,
        n_classes: int,
        embedding_dim: int = 100,
        hidden_size: int = 128,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.2,
        pooling: str = "last",
        word_dropout: float = 0.0,
        packed: bool = False,
    ):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, got '{pooling}'")
        self.pooling = pooling
        self.word_dropout = word_dropout
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = LengthAwareLSTM(
            embedding_dim, hidden_size, num_layers, bidirectional, dropout=dropout, packed=packed
        )
        self.dropout = nn.Dropout(dropout)
        features = self.lstm.output_size * (2 if pooling == "mean_max" else 1)
        self.head = nn.Linear(features, n_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.training and self.word_dropout > 0:
            dropped = (torch.rand(tokens.shape, device=tokens.device) < self.word_dropout) & (tokens != 0)
            tokens = tokens.masked_fill(dropped, 1)
        lengths = lengths.clamp(min=1).to(tokens.device)
        outputs, finals = self.lstm(self.dropout(self.embedding(tokens)), lengths)
        if self.pooling == "last":
            return self.head(self.dropout(finals))
        pooled = []
        if self.pooling in ("mean", "mean_max"):
            pooled.append(outputs.sum(dim=1) / lengths.to(outputs.dtype).unsqueeze(1))
        if self.pooling in ("max", "mean_max"):
            padding = padding_mask(lengths, outputs.shape[1])
            pooled.append(outputs.masked_fill(padding, float("-inf")).max(dim=1).values)
        return self.head(self.dropout(torch.cat(pooled, dim=1)))


def random_shift(images: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    """Each image translated by its own random whole-pixel offset in [-max_shift, max_shift],
    the uncovered border filled with zeros (training-time augmentation)."""
    n, _, h, w = images.shape
    shifts = torch.randint(-max_shift, max_shift + 1, (n, 2), generator=generator)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    theta[:, 0, 2] = -2.0 * shifts[:, 0] / w
    theta[:, 1, 2] = -2.0 * shifts[:, 1] / h
    grid = torch.nn.functional.affine_grid(theta.to(images.device), list(images.shape), align_corners=False)
    return torch.nn.functional.grid_sample(
        images, grid, mode="nearest", padding_mode="zeros", align_corners=False
    )


class RandomShift:
    """A Trainer plugin (``trainer.add``): each image of a training batch shifted by
    ``random_shift`` before the forward pass, from a generator of its own."""

    def __init__(self, pixels: int, seed: int):
        self.pixels = pixels
        self.generator = torch.Generator().manual_seed(seed)

    def before_forward(self, trainer: Any) -> None:
        images, labels = trainer.batch
        trainer.batch = (random_shift(images, self.pixels, self.generator), labels)
