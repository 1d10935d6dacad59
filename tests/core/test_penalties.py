"""L2-SP and EWC: values, analytic gradients, attachment to any optimiser."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from rl_evolve.core.penalties import EWC, L2SP, diagonal_fisher, matching_parameters


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
