"""The Trainer: hook order, early stopping, checkpoint selection, resume."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from rl_evolve.core.trainer import HOOKS, Checkpointer, EarlyStopping, Trainer


def toy_loaders(n: int = 64, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = (x[:, 0] > 0).long()
    data = TensorDataset(x, y)
    return DataLoader(
        data, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(seed)
    ), DataLoader(data, batch_size=32)


def toy_trainer(plugins=(), **kwargs) -> Trainer:
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    return Trainer(
        model, torch.optim.SGD(model.parameters(), lr=0.5), 2, progress=False, plugins=plugins, **kwargs
    )


def test_every_hook_runs_in_order():
    trainer = toy_trainer()
    calls: list[str] = []
    for name in HOOKS:
        trainer.add_hook(name, lambda t, name=name: calls.append(name))
    train, val = toy_loaders(n=32)
    trainer.fit(train, val, epochs=1)
    per_batch = [
        "before_forward",
        "after_forward",
        "before_backward",
        "after_backward",
        "before_update",
        "after_update",
    ]
    assert calls == ["before_epoch", *per_batch, *per_batch, "after_epoch"]


def test_a_plugin_attaches_each_of_its_methods_named_after_a_hook():
    class Counter:
        def __init__(self):
            self.batches, self.epochs = 0, 0

        def after_update(self, trainer):
            self.batches += 1

        def after_epoch(self, trainer):
            self.epochs += 1

        def helper(self):  # not a hook: never called
            raise AssertionError

    trainer, counter = toy_trainer(), Counter()
    trainer.add(counter)
    train, val = toy_loaders(n=32)
    trainer.fit(train, val, epochs=2)
    assert (counter.batches, counter.epochs) == (4, 2)


def test_a_plugin_with_no_hook_method_is_refused():
    with pytest.raises(ValueError, match="no method named after a hook"):
        toy_trainer().add(object())


def test_hooks_see_the_loop_state_on_the_trainer():
    trainer = toy_trainer()
    seen = []
    trainer.add_hook(
        "after_backward", lambda t: seen.append((t.loss.item(), t.model.weight.grad is not None))
    )
    train, val = toy_loaders(n=32)
    trainer.fit(train, val, epochs=1)
    assert len(seen) == 2 and all(has_grad for _, has_grad in seen)


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    trainer = toy_trainer([EarlyStopping("accuracy", patience=2)])
    trainer.model.weight.data.zero_()
    trainer.optimizer.param_groups[0]["lr"] = 0.0  # nothing can improve after epoch 1
    train, val = toy_loaders()
    history = trainer.fit(train, val, epochs=20)
    assert len(history) == 3


def test_best_checkpoint_holds_the_best_validation_epoch(tmp_path):
    trainer = toy_trainer([EarlyStopping("accuracy", patience=100), Checkpointer(tmp_path)])
    accuracies = iter([0.5, 0.9, 0.7])
    original = trainer.evaluate

    def scripted(loader):
        return {**original(loader), "accuracy": next(accuracies)}

    trainer.evaluate = scripted
    train, val = toy_loaders()
    trainer.fit(train, val, epochs=3)
    best = torch.load(tmp_path / "best.pt", weights_only=False)
    last = torch.load(tmp_path / "last.pt", weights_only=False)
    assert best["epoch"] == 2 and last["epoch"] == 3


def test_resume_continues_where_it_stopped_with_the_same_result(tmp_path):
    def trainer(folder):
        torch.manual_seed(0)
        model = nn.Linear(4, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)  # state matters
        return Trainer(model, optimizer, 2, progress=False, plugins=[Checkpointer(folder)])

    x = torch.randn(64, 4, generator=torch.Generator().manual_seed(1))
    data = DataLoader(TensorDataset(x, (x[:, 0] > 0).long()), batch_size=16)
    straight = trainer(tmp_path / "a")
    straight.fit(data, data, epochs=4)

    trainer(tmp_path / "b").fit(data, data, epochs=2)
    resumed = trainer(tmp_path / "b")
    resumed.resume(tmp_path / "b" / "last.pt")
    assert resumed.epoch == 2
    resumed.fit(data, data, epochs=4)
    assert resumed.epoch == 4 and [h["epoch"] for h in resumed.history] == [1, 2, 3, 4]
    torch.testing.assert_close(resumed.model.weight, straight.model.weight)


def test_batches_are_moved_to_the_trainer_device_before_any_hook_sees_them():
    trainer = toy_trainer(device="meta")  # a device without data: only the move is checked
    seen: list[str] = []

    class Seen(Exception):
        pass

    def record_and_stop(t: Trainer) -> None:
        seen.extend(x.device.type for x in t.batch)
        raise Seen  # before the forward pass, which a meta tensor could not run

    trainer.add_hook("before_forward", record_and_stop)
    with pytest.raises(Seen):
        trainer.train_epoch([(torch.ones(2, 4), torch.zeros(2, dtype=torch.long))])
    assert seen == ["meta", "meta"]


def test_the_trainer_device_defaults_to_the_model_device():
    model = nn.Linear(4, 2, device="meta")
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.5), 2, progress=False)
    assert trainer.device == torch.device("meta")


def test_a_regression_trainer_reports_its_loss_as_the_validation_metric():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    data = DataLoader(TensorDataset(x, x @ torch.tensor([[1.0], [2.0], [-1.0]])), batch_size=16)
    model = nn.Linear(3, 1)
    trainer = Trainer(
        model, torch.optim.Adam(model.parameters(), lr=0.05), None, loss_fn=nn.MSELoss(), progress=False
    )
    history = trainer.fit(data, data, epochs=20)
    assert set(trainer.evaluate(data)) == {"loss"}
    assert history[-1]["val/loss"] < 0.1 * history[0]["val/loss"]
