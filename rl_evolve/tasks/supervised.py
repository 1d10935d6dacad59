"""``task=supervised``: a CNN or LSTM classifier trained by the core Trainer."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from torch.utils.data import TensorDataset
from torch.utils.tensorboard import SummaryWriter

from rl_evolve.core.batches import tensor_batches
from rl_evolve.core.checkpoints import load_checkpoint, save_checkpoint
from rl_evolve.core.metrics import classification_metrics, confusion_figure
from rl_evolve.core.optim import build_optimizer, build_scheduler
from rl_evolve.core.penalties import classifier_fisher, matching_parameters, penalty_toward
from rl_evolve.core.plugins import EpochScalars
from rl_evolve.core.trainer import Checkpointer, EarlyStopping, Trainer
from rl_evolve.errors import ConfigError
from rl_evolve.runtime import show_progress_bar
from rl_evolve.supervised.datasets import Dataset, load_dataset, split_indices
from rl_evolve.supervised.embeddings import cooccurrence_embeddings
from rl_evolve.supervised.models import CNN, LSTMClassifier, RandomShift
from rl_evolve.supervised.text import Vocabulary, reindex_rows
from rl_evolve.tasks.base import Task
from rl_evolve.tasks.resume import continued
from rl_evolve.tracking.run_folder import RunFolder

MODEL_KIND = {"cnn": "image", "lstm": "text"}


def tensors(data: Dataset, indices: np.ndarray, vocab: Vocabulary | None) -> TensorDataset:
    labels = torch.from_numpy(data.labels[indices])
    if vocab is None:
        return TensorDataset(torch.from_numpy(data.inputs[indices]), labels)  # type: ignore[index]
    tokens, lengths = vocab.encode_batch([data.inputs[i] for i in indices])
    return TensorDataset(tokens, lengths, labels)


def check_model_fits(model_cfg: DictConfig, data: Dataset) -> None:
    """The model reads the kind of input the dataset holds (images or texts)."""
    if model_cfg.name not in MODEL_KIND:
        raise ConfigError(f"model={model_cfg.name} is not a supervised model ({', '.join(MODEL_KIND)})")
    needs = MODEL_KIND[model_cfg.name]
    if needs != data.kind:
        raise ConfigError(
            f"model={model_cfg.name} needs {needs} data, but the dataset is {data.kind} data "
            f"(use model={'cnn' if data.kind == 'image' else 'lstm'})"
        )


def build_model(model_cfg: DictConfig, data: Dataset, vocab: Vocabulary | None) -> torch.nn.Module:
    n_classes = len(data.class_names)
    if model_cfg.name == "cnn":
        return CNN(
            data.inputs.shape[1:],
            n_classes,
            list(model_cfg.channels),  # type: ignore[union-attr]
            model_cfg.kernel_size,
            model_cfg.hidden,
            model_cfg.dropout,
        )
    return LSTMClassifier(
        len(vocab),
        n_classes,
        model_cfg.embedding_dim,  # type: ignore[arg-type]
        model_cfg.hidden_size,
        model_cfg.num_layers,
        model_cfg.bidirectional,
        model_cfg.dropout,
        str(model_cfg.pooling.value),
        model_cfg.word_dropout,
        model_cfg.packed,
    )


def source_checkpoint(source: str) -> Path:
    path = Path(source)
    return path / "checkpoints" / "best.pt" if path.is_dir() else path


def transfer_from_source(
    model: torch.nn.Module, cfg: DictConfig, vocab: Vocabulary | None
) -> tuple[dict, dict | None]:
    """Copies matching parameters from ``model.source``; returns them and the source's Fisher. An
    LSTM's embedding rows follow the words of the source's saved vocabulary into this run's."""
    state = load_checkpoint(source_checkpoint(cfg.model.source))
    weights, fisher = dict(state["model"]), state.get("fisher")
    if vocab is not None and state.get("vocabulary") and "embedding.weight" in weights:
        source_vocab = Vocabulary.from_state_dict(state["vocabulary"])
        own = model.embedding.weight  # type: ignore[union-attr]
        weights["embedding.weight"] = reindex_rows(weights["embedding.weight"], source_vocab, vocab, own)
        if fisher and "embedding.weight" in fisher:
            fisher = {
                **fisher,
                "embedding.weight": reindex_rows(
                    fisher["embedding.weight"], source_vocab, vocab, torch.zeros_like(own)
                ),
            }
    matched = matching_parameters(model, weights)
    if not matched:
        raise ConfigError(
            f"model.source '{cfg.model.source}' shares no parameter (name and shape) "
            f"with model={cfg.model.name}"
        )
    model.load_state_dict({k: weights[k] for k in matched}, strict=False)
    return {k: weights[k] for k in matched}, fisher


def attach_penalty(
    cfg: DictConfig,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    anchors: dict,
    fisher: dict | None,
):
    kind = str(cfg.fit.penalty.value)
    if kind == "none":
        return None
    if not anchors:
        raise ConfigError(f"fit.penalty={kind} pulls toward model.source; set model.source")
    if kind == "ewc" and not fisher:
        raise ConfigError("fit.penalty=ewc needs the source's Fisher; the source run saved none")
    params = dict(model.named_parameters())
    penalty = penalty_toward(kind, {k: params[k] for k in anchors}, anchors, cfg.fit.penalty_strength, fisher)
    penalty.attach(optimizer)  # type: ignore[union-attr]
    return penalty


def _data(cfg: DictConfig, folder: RunFolder) -> tuple[Dataset, dict, Vocabulary | None, dict]:
    """The dataset, its splits (saved in the run folder), the vocabulary and the loaders."""
    data = load_dataset(cfg.data)
    check_model_fits(cfg.model, data)
    splits = split_indices(
        data.labels, cfg.data.val_fraction, cfg.data.test_fraction, cfg.seed, cfg.data.test_seed
    )
    (folder.root / "splits.json").write_text(json.dumps({k: v.tolist() for k, v in splits.items()}))
    vocab = None
    if data.kind == "text":
        vocab = Vocabulary.build(
            [data.inputs[i] for i in splits["train"]],
            cfg.model.max_vocab,
            cfg.model.min_freq,
            cfg.model.max_length,
        )
    loaders = {
        name: tensor_batches(
            tensors(data, idx, vocab),
            cfg.fit.batch_size,
            shuffle=name == "train",
            generator=torch.Generator().manual_seed(cfg.seed),
        )
        for name, idx in splits.items()
    }
    return data, splits, vocab, loaders


def _model(cfg: DictConfig, data: Dataset, vocab: Vocabulary | None, train_idx) -> torch.nn.Module:
    """The classifier on the run's device; an LSTM's embeddings maybe from the training texts."""
    model = build_model(cfg.model, data, vocab)
    if vocab is not None and cfg.model.embedding_init.value == "cooccurrence":
        documents = [vocab.encode(data.inputs[i], truncate=False) for i in train_idx]
        try:
            table = cooccurrence_embeddings(
                documents, len(vocab), cfg.model.embedding_dim, cfg.model.cooccurrence_window, cfg.seed
            )
        except ValueError as exc:
            raise ConfigError(
                f"model.embedding_init=cooccurrence: {exc}; use model.embedding_init=random"
            ) from exc
        model.embedding.weight.data.copy_(table)  # type: ignore[operator]
    return model.to(cfg.device)


def _trainer(
    cfg: DictConfig,
    model: torch.nn.Module,
    data: Dataset,
    vocab: Vocabulary | None,
    folder: RunFolder,
    writer: SummaryWriter,
) -> Trainer:
    """The Trainer with the run's optimiser, schedule, penalty, augmentation and logging hooks."""
    anchors, fisher = transfer_from_source(model, cfg, vocab) if cfg.model.source else ({}, None)
    optimizer = build_optimizer(cfg.fit.optimizer, model.parameters())
    penalty = attach_penalty(cfg, model, optimizer, anchors, fisher)
    extra: dict[str, Any] = {
        "vocabulary": vocab.state_dict() if vocab else None,
        "class_names": data.class_names,
        "config": OmegaConf.to_yaml(cfg, resolve=True),
    }
    mode = "min" if cfg.fit.early_stopping_metric == "loss" else "max"
    trainer = Trainer(
        model,
        optimizer,
        len(data.class_names),
        scheduler=build_scheduler(cfg.fit.scheduler, optimizer),
        grad_clip=cfg.fit.grad_clip,
        plugins=[
            EarlyStopping(cfg.fit.early_stopping_metric, cfg.fit.patience, mode),
            Checkpointer(folder.checkpoints),
        ],
        extra_state=extra,
        progress=show_progress_bar(cfg.progress_bar),
    )
    if cfg.fit.augment_shift and data.kind == "image":
        trainer.add(RandomShift(cfg.fit.augment_shift, cfg.seed))
    trainer.add(EpochScalars(writer, prefix="supervised/"))

    def report_epoch(t: Trainer) -> None:
        if penalty is not None:
            writer.add_scalar(f"supervised/train/{penalty.name}", penalty.last_value, t.epoch)
        print(
            f"epoch {t.epoch}: train loss {t.metrics['train/loss']:.4f}, "
            f"val accuracy {t.metrics['val/accuracy']:.4f}, val f1 {t.metrics['val/f1']:.4f}"
        )

    trainer.add_hook("after_epoch", report_epoch)
    return trainer


class Supervised(Task):
    """Trains, early-stops on validation, tests the best checkpoint; its score is the test accuracy.

    Denormal floats are flushed before torch's first operation (``flush_denormals``): a gradient
    that enters an LSTM only at its last step fades into denormals over a few hundred steps, and
    this CPU computes those several times slower."""

    name = "supervised"
    resumable = True
    flush_denormals = True

    def check(self) -> None:
        if self.resumed:
            self.cfg, self.folder = continued(self.cfg, "last.pt", steps=False)
        super().check()

    def build(self) -> None:
        cfg, folder = self.cfg, self.folder
        folder.root.mkdir(parents=True, exist_ok=True)
        self.data, self.splits, vocab, self.loaders = _data(cfg, folder)
        self.model = _model(cfg, self.data, vocab, self.splits["train"])
        self.writer = SummaryWriter(str(folder.tensorboard))
        self.trainer = _trainer(cfg, self.model, self.data, vocab, folder, self.writer)
        if self.resumed:
            self.trainer.resume(folder.checkpoints / "last.pt")

    def identity(self) -> dict[str, Any]:
        return {
            "model": self.cfg.model.name,
            "data": self.cfg.data.name,
            "split_sizes": {k: len(v) for k, v in self.splits.items()},
            "n_parameters": sum(p.numel() for p in self.model.parameters()),
        }

    def hparams(self) -> dict[str, Any]:
        cfg = self.cfg
        return {
            "model": cfg.model.name,
            "data": cfg.data.name,
            "seed": cfg.seed,
            "batch_size": cfg.fit.batch_size,
            "penalty": cfg.fit.penalty,
            "torch_threads": torch.get_num_threads(),
        }

    def metric_tags(self) -> tuple[str, ...]:
        return ("supervised/test/accuracy", "supervised/test/f1")

    def work(self) -> None:
        start = time.perf_counter()
        try:
            self.trainer.fit(self.loaders["train"], self.loaders["val"], self.cfg.fit.epochs)
        finally:
            self.writer.flush()
        self.wall = time.perf_counter() - start

    def progress(self) -> dict[str, Any]:
        return {"epochs_run": self.trainer.epoch}

    def results(self) -> dict[str, Any]:
        cfg, model, trainer, data = self.cfg, self.model, self.trainer, self.data
        best = load_checkpoint(self.folder.checkpoints / "best.pt")
        model.load_state_dict(best["model"])
        labels, preds, test_loss = trainer.predict(self.loaders["test"])
        self.test = {"loss": test_loss, **classification_metrics(labels, preds, len(data.class_names))}
        for metric in ("accuracy", "f1"):
            self.writer.add_scalar(f"supervised/test/{metric}", self.test[metric], trainer.epoch)
        self.writer.add_figure(
            "supervised/test/confusion_matrix",
            confusion_figure(labels, preds, data.class_names),
            trainer.epoch,
        )
        # The diagonal Fisher at the best weights, for a later run's EWC toward this one.
        empirical = cfg.fit.fisher_labels.value == "empirical"
        best["fisher"] = classifier_fisher(
            model, self.loaders["train"], cfg.fit.fisher_samples, empirical=empirical, seed=cfg.seed
        )
        save_checkpoint(self.folder.checkpoints / "best.pt", best)
        self.best_epoch = best["epoch"]
        return {
            "epochs_run": trainer.epoch,
            "best_epoch": best["epoch"],
            "test": self.test,
            "history": trainer.history,
            "validation_best": best["early_stopping"]["best"],
            "train_samples_per_second": round(
                len(self.splits["train"]) * len(trainer.history) / max(self.wall, 1e-9), 1
            ),
        }

    def score(self) -> float | None:
        return self.test["accuracy"]

    def report(self) -> None:
        print(
            f"test accuracy {self.test['accuracy']:.4f}, macro F1 {self.test['f1']:.4f} "
            f"(best epoch {self.best_epoch} of {self.trainer.epoch})"
        )
        print(f"look at it: tensorboard --logdir {self.folder.root.parent}")

    def close(self) -> None:
        if getattr(self, "writer", None) is not None:
            self.writer.close()
