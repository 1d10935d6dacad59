"""The ``supervised`` task: a CNN or LSTM classifier trained by the core Trainer."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.tensorboard import SummaryWriter

from rl_evolve.core.checkpoints import load_checkpoint, save_checkpoint
from rl_evolve.core.metrics import classification_metrics, confusion_figure
from rl_evolve.core.optim import build_optimizer, build_scheduler
from rl_evolve.core.penalties import EWC, L2SP, classifier_fisher, matching_parameters
from rl_evolve.core.trainer import EarlyStopping, Trainer
from rl_evolve.errors import ConfigError
from rl_evolve.resume import resume_config
from rl_evolve.runtime import show_progress_bar
from rl_evolve.supervised.datasets import Dataset, load_dataset, split_indices
from rl_evolve.supervised.embeddings import cooccurrence_embeddings
from rl_evolve.supervised.models import CNN, LSTMClassifier, random_shift
from rl_evolve.supervised.text import Vocabulary
from rl_evolve.tracking.recorder import RunRecorder
from rl_evolve.tracking.run_folder import RunFolder

MODEL_KIND = {"cnn": "image", "lstm": "text"}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


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
        raise ConfigError(f"model={model_cfg.name} needs {needs} data, but the dataset is {data.kind} data "
                          f"(use model={'cnn' if data.kind == 'image' else 'lstm'})")


def build_model(model_cfg: DictConfig, data: Dataset, vocab: Vocabulary | None) -> torch.nn.Module:
    n_classes = len(data.class_names)
    if model_cfg.name == "cnn":
        return CNN(data.inputs.shape[1:], n_classes, list(model_cfg.channels),  # type: ignore[union-attr]
                   model_cfg.kernel_size, model_cfg.hidden, model_cfg.dropout)
    return LSTMClassifier(len(vocab), n_classes, model_cfg.embedding_dim,  # type: ignore[arg-type]
                          model_cfg.hidden_size, model_cfg.num_layers, model_cfg.bidirectional,
                          model_cfg.dropout, str(model_cfg.pooling.value), model_cfg.word_dropout,
                          model_cfg.packed)


def source_checkpoint(source: str) -> Path:
    path = Path(source)
    return path / "checkpoints" / "best.pt" if path.is_dir() else path


def transfer_from_source(model: torch.nn.Module, cfg: DictConfig) -> tuple[dict, dict | None]:
    """Copies matching parameters from ``model.source``; returns them and the source's Fisher."""
    state = load_checkpoint(source_checkpoint(cfg.model.source))
    matched = matching_parameters(model, state["model"])
    if not matched:
        raise ConfigError(f"model.source '{cfg.model.source}' shares no parameter (name and shape) "
                          f"with model={cfg.model.name}")
    model.load_state_dict({k: state["model"][k] for k in matched}, strict=False)
    return {k: state["model"][k] for k in matched}, state.get("fisher")


def attach_penalty(cfg: DictConfig, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                   anchors: dict, fisher: dict | None):
    if cfg.fit.penalty == "none":
        return None
    if cfg.fit.penalty not in ("l2sp", "ewc"):
        raise ConfigError(f"fit.penalty must be none, l2sp or ewc, got '{cfg.fit.penalty}'")
    if not anchors:
        raise ConfigError(f"fit.penalty={cfg.fit.penalty} pulls toward model.source; set model.source")
    params = dict(model.named_parameters())
    params = {k: params[k] for k in anchors}
    if cfg.fit.penalty == "ewc":
        if not fisher:
            raise ConfigError("fit.penalty=ewc needs the source's Fisher; the source run saved none")
        penalty = EWC(params, anchors, cfg.fit.penalty_strength, {k: fisher[k] for k in params})
    else:
        penalty = L2SP(params, anchors, cfg.fit.penalty_strength)
    penalty.attach(optimizer)
    return penalty


def _run_folder(cfg: DictConfig, run_dir: Path) -> tuple[DictConfig, RunFolder]:
    if cfg.resume is None:
        return cfg, RunFolder(run_dir)
    cfg, folder = resume_config(cfg)
    if not (folder.checkpoints / "last.pt").is_file():
        raise ConfigError(f"resume='{cfg.resume}' has no checkpoints/last.pt to continue from")
    if folder.read_summary().get("status") == "completed":
        raise ConfigError(f"resume='{cfg.resume}' completed; nothing to continue")
    return cfg, folder


def _data(cfg: DictConfig, folder: RunFolder) -> tuple[Dataset, dict, Vocabulary | None, dict]:
    """The dataset, its splits (saved in the run folder), the vocabulary and the loaders."""
    data = load_dataset(cfg.data)
    check_model_fits(cfg.model, data)
    splits = split_indices(data.labels, cfg.data.val_fraction, cfg.data.test_fraction, cfg.seed,
                           cfg.data.test_seed)
    (folder.root / "splits.json").write_text(json.dumps({k: v.tolist() for k, v in splits.items()}))
    vocab = None
    if data.kind == "text":
        vocab = Vocabulary.build([data.inputs[i] for i in splits["train"]], cfg.model.max_vocab,
                                 cfg.model.min_freq, cfg.model.max_length)
    loaders = {name: DataLoader(tensors(data, idx, vocab), batch_size=cfg.fit.batch_size,
                                shuffle=name == "train", generator=torch.Generator().manual_seed(cfg.seed))
               for name, idx in splits.items()}
    return data, splits, vocab, loaders


def _model(cfg: DictConfig, data: Dataset, vocab: Vocabulary | None, train_idx) -> torch.nn.Module:
    """The classifier on the run's device; an LSTM's embeddings maybe from the training texts."""
    model = build_model(cfg.model, data, vocab)
    if vocab is not None and cfg.model.embedding_init.value == "cooccurrence":
        documents = [vocab.encode(data.inputs[i], truncate=False) for i in train_idx]
        try:
            table = cooccurrence_embeddings(documents, len(vocab), cfg.model.embedding_dim,
                                            cfg.model.cooccurrence_window, cfg.seed)
        except ValueError as exc:
            raise ConfigError(f"model.embedding_init=cooccurrence: {exc}; "
                              f"use model.embedding_init=random") from exc
        model.embedding.weight.data.copy_(table)  # type: ignore[operator]
    return model.to(cfg.device)


def _trainer(cfg: DictConfig, model: torch.nn.Module, data: Dataset, vocab: Vocabulary | None,
             folder: RunFolder, writer: SummaryWriter) -> Trainer:
    """The Trainer with the run's optimiser, schedule, penalty, augmentation and logging hooks."""
    anchors, fisher = transfer_from_source(model, cfg) if cfg.model.source else ({}, None)
    optimizer = build_optimizer(cfg.fit.optimizer, model.parameters())
    penalty = attach_penalty(cfg, model, optimizer, anchors, fisher)
    extra: dict[str, Any] = {"vocabulary": vocab.state_dict() if vocab else None,
                             "class_names": data.class_names, "config": OmegaConf.to_yaml(cfg, resolve=True)}
    mode = "min" if cfg.fit.early_stopping_metric == "loss" else "max"
    trainer = Trainer(model, optimizer, len(data.class_names),
                      scheduler=build_scheduler(cfg.fit.scheduler, optimizer), grad_clip=cfg.fit.grad_clip,
                      early_stopping=EarlyStopping(cfg.fit.early_stopping_metric, cfg.fit.patience, mode),
                      checkpoint_dir=folder.checkpoints, extra_state=extra,
                      progress=show_progress_bar(cfg.progress_bar))
    if cfg.fit.augment_shift and data.kind == "image":
        shift_rng = torch.Generator().manual_seed(cfg.seed)

        def augment(t: Trainer) -> None:
            images, labels = t.batch
            t.batch = (random_shift(images, cfg.fit.augment_shift, shift_rng), labels)

        trainer.add_hook("before_forward", augment)

    def log_epoch(t: Trainer) -> None:
        for key, value in t.metrics.items():
            split, metric = key.split("/")
            writer.add_scalar(f"supervised/{split}/{metric}", value, t.epoch)
        if penalty is not None:
            writer.add_scalar(f"supervised/train/{penalty.name}", penalty.last_value, t.epoch)
        print(f"epoch {t.epoch}: train loss {t.metrics['train/loss']:.4f}, "
              f"val accuracy {t.metrics['val/accuracy']:.4f}, val f1 {t.metrics['val/f1']:.4f}")

    trainer.add_hook("after_epoch", log_epoch)
    return trainer


def run_supervised(cfg: DictConfig, run_dir: Path) -> float:
    """Trains, early-stops on validation, tests the best checkpoint; returns test accuracy.

    The caller has set the run's threads and flushed denormal floats (``rl_evolve.runtime``):
    a gradient that enters an LSTM only at its last step fades into denormals over a few
    hundred steps, and this CPU computes those several times slower."""
    resumed = cfg.resume is not None
    cfg, folder = _run_folder(cfg, run_dir)
    seed_everything(cfg.seed)
    recorder = RunRecorder(folder, resumed)
    data, splits, vocab, loaders = _data(cfg, folder)
    model = _model(cfg, data, vocab, splits["train"])
    writer = SummaryWriter(str(folder.tensorboard))
    trainer = _trainer(cfg, model, data, vocab, folder, writer)
    if resumed:
        trainer.resume(folder.checkpoints / "last.pt")
    recorder.start("supervised", cfg.seed, cfg.device, model=cfg.model.name, data=cfg.data.name,
                   split_sizes={k: len(v) for k, v in splits.items()},
                   n_parameters=sum(p.numel() for p in model.parameters()))
    start = time.perf_counter()
    with recorder.ending(progress=lambda: {"epochs_run": trainer.epoch}):
        try:
            trainer.fit(loaders["train"], loaders["val"], cfg.fit.epochs)
        finally:
            writer.flush()
    wall = time.perf_counter() - start

    best = load_checkpoint(folder.checkpoints / "best.pt")
    model.load_state_dict(best["model"])
    labels, preds, test_loss = trainer.predict(loaders["test"])
    test = {"loss": test_loss, **classification_metrics(labels, preds, len(data.class_names))}
    writer.add_figure("supervised/test/confusion_matrix", confusion_figure(labels, preds, data.class_names),
                      trainer.epoch)
    hparams = {"model": cfg.model.name, "data": cfg.data.name, "seed": cfg.seed,
               "batch_size": cfg.fit.batch_size, "penalty": cfg.fit.penalty,
               "torch_threads": torch.get_num_threads()}
    writer.add_hparams(hparams, {"hparam/test_accuracy": test["accuracy"], "hparam/test_f1": test["f1"]},
                       run_name=".")
    writer.close()
    # The diagonal Fisher at the best weights, for a later run's EWC toward this one.
    best["fisher"] = classifier_fisher(model, loaders["train"], cfg.fit.fisher_samples,
                                       empirical=cfg.fit.fisher_labels.value == "empirical", seed=cfg.seed)
    save_checkpoint(folder.checkpoints / "best.pt", best)
    recorder.finish(
        epochs_run=trainer.epoch, best_epoch=best["epoch"], test=test, history=trainer.history,
        validation_best=trainer.early_stopping.best if trainer.early_stopping else None,
        train_samples_per_second=round(len(splits["train"]) * len(trainer.history) / max(wall, 1e-9), 1))
    print(f"run folder: {folder.root}")
    print(f"test accuracy {test['accuracy']:.4f}, macro F1 {test['f1']:.4f} "
          f"(best epoch {best['epoch']} of {trainer.epoch})")
    print(f"look at it: tensorboard --logdir {folder.root.parent}")
    return test["accuracy"]
