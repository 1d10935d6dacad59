"""A CNN image classifier and an LSTM text classifier, sized from config."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class CNN(nn.Module):
    """Convolution blocks (conv, ReLU, 2x2 max-pool) and a fully connected head."""

    def __init__(self, in_shape: Sequence[int], n_classes: int, channels: Sequence[int] = (32, 64),
                 kernel_size: int = 3, hidden: int = 128, dropout: float = 0.25):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, (_, h, w) = in_shape[0], in_shape
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, kernel_size, padding=kernel_size // 2), nn.ReLU(),
                       nn.MaxPool2d(2)]
            c_in, h, w = c_out, h // 2, w // 2
        self.trunk = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(c_in * h * w, hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(hidden, n_classes))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.trunk(images))


POOLINGS = ("last", "max", "mean", "mean_max")


class LSTMClassifier(nn.Module):
    """Embedding, (bi)LSTM over packed variable-length sequences, linear head. Token 0 is padding.

    Dropout acts on the embeddings and before the head (small corpora overfit the embedding
    table first); ``word_dropout`` replaces that fraction of a training batch's tokens with
    ``<unk>`` (id 1), so that no single word decides a document. ``pooling="last"`` feeds the head
    the final hidden state of each direction; ``"max"`` the element-wise maximum of the outputs
    over each sequence's own length, which keeps a topic word seen early in a long document from
    fading out; ``"mean"`` their average; ``"mean_max"`` both, side by side.
    """

    def __init__(self, vocab_size: int, n_classes: int, embedding_dim: int = 100,
                 hidden_size: int = 128, num_layers: int = 1, bidirectional: bool = True,
                 dropout: float = 0.2, pooling: str = "last", word_dropout: float = 0.0):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}, got '{pooling}'")
        self.pooling = pooling
        self.word_dropout = word_dropout
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, hidden_size, num_layers=num_layers, batch_first=True,
                            bidirectional=bidirectional, dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        features = hidden_size * (2 if bidirectional else 1) * (2 if pooling == "mean_max" else 1)
        self.head = nn.Linear(features, n_classes)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.training and self.word_dropout > 0:
            dropped = (torch.rand(tokens.shape, device=tokens.device) < self.word_dropout) & (tokens != 0)
            tokens = tokens.masked_fill(dropped, 1)
        lengths = lengths.clamp(min=1)
        packed = pack_padded_sequence(self.dropout(self.embedding(tokens)), lengths.cpu(),
                                      batch_first=True, enforce_sorted=False)
        outputs, (hidden, _) = self.lstm(packed)
        if self.pooling == "last":
            # hidden: (layers * directions, batch, hidden); the last layer's directions.
            last = hidden[-2:] if self.lstm.bidirectional else hidden[-1:]
            return self.head(self.dropout(torch.cat(list(last), dim=1)))
        padded, _ = pad_packed_sequence(outputs, batch_first=True)
        pooled = []
        if self.pooling in ("mean", "mean_max"):
            pooled.append(padded.sum(dim=1) / lengths.to(padded.dtype).unsqueeze(1))
        if self.pooling in ("max", "mean_max"):
            steps = torch.arange(padded.shape[1], device=padded.device)
            padding = (steps.unsqueeze(0) >= lengths.to(padded.device).unsqueeze(1)).unsqueeze(2)
            pooled.append(padded.masked_fill(padding, float("-inf")).max(dim=1).values)
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
    grid = torch.nn.functional.affine_grid(theta, list(images.shape), align_corners=False)
    return torch.nn.functional.grid_sample(images, grid, mode="nearest", padding_mode="zeros",
                                           align_corners=False)
