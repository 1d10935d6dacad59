"""L2-SP and EWC: values, analytic gradients, attachment to any optimiser."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rl_evolve.core.penalties import EWC, L2SP, classifier_fisher, diagonal_fisher, matching_parameters


def test_l2sp_gradient_equals_autograd_of_its_value():
    torch.manual_seed(0)
    net = nn.Linear(3, 2)
    anchors = {k: v + torch.randn_like(v) for k, v in net.state_dict().items()}
    penalty = L2SP(dict(net.named_parameters()), anchors, strength=0.3)
    params = dict(net.named_parameters())
    value = 0.5 * 0.3 * sum(((params[k] - anchors[k]) ** 2).sum() for k in params)
    grads = torch.autograd.grad(value, list(params.values()))
    expected = dict(zip(params, grads, strict=True))
    penalty.add_gradients()
    for k, p in params.items():
        torch.testing.assert_close(p.grad, expected[k])
    assert penalty.last_value == pytest.approx(float(value.detach()))


def test_ewc_weights_each_element_by_its_fisher():
    net = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1.0, 2.0]]))
    anchors = {"weight": torch.zeros(1, 2)}
    fisher = {"weight": torch.tensor([[10.0, 0.0]])}
    penalty = EWC(dict(net.named_parameters()), anchors, strength=0.5, weights=fisher)
    penalty.add_gradients()
    torch.testing.assert_close(net.weight.grad, torch.tensor([[5.0, 0.0]]))
    assert float(penalty.value()) == 0.5 * 0.5 * 10.0


def test_attached_penalty_acts_at_every_optimizer_step():
    net = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(1.0)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    L2SP(dict(net.named_parameters()), {"weight": torch.zeros(1, 1)}, strength=1.0).attach(optimizer)
    for _ in range(3):
        optimizer.zero_grad()
        optimizer.step()  # no task loss: only the penalty pulls toward 0
    assert net.weight.item() == pytest.approx(0.9**3)


def test_matching_parameters_keeps_same_name_and_shape_only():
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 5))
    source = {"0.weight": torch.zeros(4, 3), "0.bias": torch.zeros(4), "1.weight": torch.zeros(2, 4)}
    assert set(matching_parameters(net, source)) == {"0.weight", "0.bias"}


def test_diagonal_fisher_is_the_mean_squared_gradient():
    net = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        net.weight.fill_(2.0)
    batches = [torch.tensor([[1.0]]), torch.tensor([[3.0]])]
    fisher = diagonal_fisher(dict(net.named_parameters()), batches, lambda x: (net(x) ** 2).sum())
    # d/dw (w x)^2 = 2 w x^2 -> 4 and 36; mean of squares = (16 + 1296) / 2
    torch.testing.assert_close(fisher["weight"], torch.tensor([[656.0]]))


def _softmax_regression() -> tuple[nn.Linear, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    net = nn.Linear(4, 3)
    return net, torch.randn(10, 4), torch.randint(0, 3, (10,))


def _per_sample_squared_gradients(net: nn.Linear, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """By hand: d CE / dW = (softmax(Wx + b) - onehot(y)) x^T for each sample, squared, averaged."""
    with torch.no_grad():
        residual = torch.softmax(net(x), dim=1) - nn.functional.one_hot(labels, 3).float()
    return (residual[:, :, None] * x[:, None, :]).pow(2).mean(0)


def test_empirical_classifier_fisher_averages_per_sample_squared_gradients():
    net, x, y = _softmax_regression()
    fisher = classifier_fisher(net, [(x[:6], y[:6]), (x[6:], y[6:])], n_samples=10, empirical=True)
    torch.testing.assert_close(fisher["weight"], _per_sample_squared_gradients(net, x, y))


def test_classifier_fisher_draws_each_label_from_the_model_by_default():
    net, x, y = _softmax_regression()
    fisher = classifier_fisher(net, [(x, y)], n_samples=10, seed=5)
    generator = torch.Generator().manual_seed(5)
    probs = torch.softmax(net(x), 1).detach()
    drawn = torch.cat([torch.multinomial(probs[i : i + 1], 1, generator=generator)[0] for i in range(10)])
    torch.testing.assert_close(fisher["weight"], _per_sample_squared_gradients(net, x, drawn))


def test_squaring_a_batch_gradient_would_underestimate_the_fisher():
    net, x, y = _softmax_regression()
    per_sample = classifier_fisher(net, [(x, y)], n_samples=10, empirical=True)
    batch_mean = diagonal_fisher(
        dict(net.named_parameters()), [(x, y)], lambda b: nn.functional.cross_entropy(net(b[0]), b[1])
    )
    assert per_sample["weight"].sum() > 2 * batch_mean["weight"].sum()


def test_classifier_fisher_stops_after_n_samples():
    net, x, y = _softmax_regression()
    first_four = classifier_fisher(net, [(x, y)], n_samples=4, empirical=True)
    torch.testing.assert_close(first_four["weight"], _per_sample_squared_gradients(net, x[:4], y[:4]))
