"""Tokenizer round trips, unknown words, packed sequences, model shapes."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rl_evolve.supervised.models import CNN, LengthAwareLSTM, LSTMClassifier
from rl_evolve.supervised.text import Vocabulary, reindex_rows, tokenize


def test_tokenizer_lowercases_and_drops_punctuation():
    assert tokenize("The cat's hat, 3 times!") == ["the", "cat's", "hat", "3", "times"]


def test_vocabulary_round_trips_known_words_and_maps_unknown_ones_to_unk():
    vocab = Vocabulary.build(["a b b c", "b c"], max_size=10)
    assert vocab.decode(vocab.encode("b c a")) == ["b", "c", "a"]
    assert vocab.encode("zebra") == [1]
    restored = Vocabulary.from_state_dict(vocab.state_dict())
    assert restored.encode("c b zebra") == vocab.encode("c b zebra")


def test_vocabulary_caps_its_size_and_truncates_documents():
    vocab = Vocabulary.build(["a a a b b c"], max_size=4, max_length=2)
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b"]
    assert vocab.encode("a b c a") == [2, 3]
    assert vocab.encode("a b c a", truncate=False) == [2, 3, 1, 2]


@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("pooling", ["last", "max", "mean", "mean_max"])
def test_a_padded_batch_gives_the_same_output_as_each_sequence_alone(pooling, packed):
    torch.manual_seed(0)
    model = LSTMClassifier(
        vocab_size=20,
        n_classes=3,
        embedding_dim=8,
        hidden_size=6,
        num_layers=2,
        pooling=pooling,
        packed=packed,
    ).eval()
    short, long = [3, 4, 5], [6, 7, 8, 9, 10, 11]
    padded = torch.tensor([short + [0, 0, 0], long])
    batch = model(padded, torch.tensor([3, 6]))
    alone = torch.cat(
        [model(torch.tensor([short]), torch.tensor([3])), model(torch.tensor([long]), torch.tensor([6]))]
    )
    torch.testing.assert_close(batch, alone)


@pytest.mark.parametrize("bidirectional", [True, False])
def test_length_aware_lstm_matches_torchs_lstm_over_packed_sequences(bidirectional):
    torch.manual_seed(0)
    reference = nn.LSTM(5, 4, num_layers=2, bidirectional=bidirectional, batch_first=True)
    ours = LengthAwareLSTM(5, 4, num_layers=2, bidirectional=bidirectional)
    for depth, directions in enumerate(ours.layers):
        for direction, lstm in enumerate(directions):
            suffix = "_reverse" if direction else ""
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(lstm, f"{name}_l0").data.copy_(getattr(reference, f"{name}_l{depth}{suffix}"))
    inputs, lengths = torch.randn(3, 7, 5), torch.tensor([7, 2, 5])
    expected, (hidden, _) = reference(
        pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
    )
    expected, _ = pad_packed_sequence(expected, batch_first=True)
    outputs, finals = ours(inputs, lengths)
    torch.testing.assert_close(outputs, expected)
    last_layer = hidden[-2:] if bidirectional else hidden[-1:]
    torch.testing.assert_close(finals, torch.cat(list(last_layer), dim=1))


def test_word_dropout_hides_tokens_in_training_only():
    torch.manual_seed(0)
    model = LSTMClassifier(
        vocab_size=20, n_classes=3, embedding_dim=8, hidden_size=6, dropout=0.0, word_dropout=1.0
    )
    tokens, lengths = torch.tensor([[3, 4, 5], [6, 7, 0]]), torch.tensor([3, 2])
    all_unknown = torch.tensor([[1, 1, 1], [1, 1, 0]])
    torch.testing.assert_close(model(tokens, lengths), model(all_unknown, lengths))
    model.eval()
    assert not torch.allclose(model(tokens, lengths), model(all_unknown, lengths))


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="pooling must be one of"):
        LSTMClassifier(vocab_size=20, n_classes=3, pooling="sum")


def test_cnn_maps_28x28_images_to_class_scores():
    model = CNN((1, 28, 28), n_classes=10, channels=[8, 16])
    assert model(torch.zeros(5, 1, 28, 28)).shape == (5, 10)


def test_a_source_embedding_follows_its_words_into_another_vocabulary():
    source = Vocabulary(["<pad>", "<unk>", "apple", "banana"])
    target = Vocabulary(["<pad>", "<unk>", "banana", "cherry", "apple"])
    table = torch.arange(4.0)[:, None].repeat(1, 3)  # row i holds i
    fill = torch.full((5, 3), -1.0)
    out = reindex_rows(table, source, target, fill)
    assert out[:, 0].tolist() == [0.0, 1.0, 3.0, -1.0, 2.0]  # banana, apple moved; cherry new


def test_fine_tuning_an_lstm_maps_the_source_embeddings_through_its_saved_vocabulary(tmp_path):
    from omegaconf import OmegaConf

    from rl_evolve.core.checkpoints import save_checkpoint
    from rl_evolve.tasks.supervised import transfer_from_source

    source_vocab = Vocabulary(["<pad>", "<unk>", "apple", "banana"])
    source = LSTMClassifier(len(source_vocab), 2, embedding_dim=4, hidden_size=8)
    save_checkpoint(
        tmp_path / "best.pt", {"model": source.state_dict(), "vocabulary": source_vocab.state_dict()}
    )
    vocab = Vocabulary(["<pad>", "<unk>", "banana", "cherry", "apple"])
    model = LSTMClassifier(len(vocab), 2, embedding_dim=4, hidden_size=8)
    fresh_cherry = model.embedding.weight[3].detach().clone()
    cfg = OmegaConf.create({"model": {"source": str(tmp_path / "best.pt"), "name": "lstm"}})
    anchors, _ = transfer_from_source(model, cfg, vocab)
    got, src = model.embedding.weight.detach(), source.embedding.weight.detach()
    assert torch.equal(got[2], src[3]) and torch.equal(got[4], src[2])  # banana and apple
    assert torch.equal(got[3], fresh_cherry) and torch.equal(anchors["embedding.weight"], got)


def test_the_random_shift_plugin_moves_each_training_image_and_keeps_its_label():
    from types import SimpleNamespace

    from rl_evolve.supervised.models import RandomShift

    images = torch.zeros(8, 1, 9, 9)
    images[:, :, 4, 4] = 1.0  # one bright pixel in the centre
    labels = torch.arange(8)
    trainer = SimpleNamespace(batch=(images, labels))
    RandomShift(pixels=2, seed=0).before_forward(trainer)
    shifted, kept = trainer.batch
    assert torch.equal(kept, labels)
    assert torch.all(shifted.sum(dim=(1, 2, 3)) == 1.0)  # the pixel moved, within the image
    assert (shifted[:, :, 4, 4] == 0).any()  # at least one image moved
    again = SimpleNamespace(batch=(images, labels))
    RandomShift(pixels=2, seed=0).before_forward(again)
    assert torch.equal(again.batch[0], shifted)  # its own seeded generator
