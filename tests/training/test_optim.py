import math

import pytest
import torch

from coderl.training.configs import OptimConfig
from coderl.training.optim import build_optimizer, lr_multiplier


def test_warmup_is_linear_and_reaches_the_peak():
    assert [lr_multiplier(s, 10, 4, "constant") for s in range(6)] == [0.25, 0.5, 0.75, 1, 1, 1]


@pytest.mark.parametrize(
    ("schedule", "midpoint"), [("constant", 1.0), ("linear", 0.5), ("cosine", 0.5)]
)
def test_decay_schedules_after_warmup(schedule, midpoint):
    assert lr_multiplier(2, 12, 2, schedule) == 1.0
    assert lr_multiplier(7, 12, 2, schedule) == pytest.approx(midpoint)
    assert lr_multiplier(12, 12, 2, schedule) == pytest.approx(1.0 if schedule == "constant" else 0)


def test_cosine_is_a_half_cosine():
    assert lr_multiplier(1, 4, 0, "cosine") == pytest.approx(0.5 * (1 + math.cos(math.pi / 4)))


def test_weight_decay_applies_to_matrices_only():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))
    optimizer = build_optimizer(model, OptimConfig(weight_decay=0.1, lr=1e-3))
    decay, no_decay = optimizer.param_groups
    assert decay["weight_decay"] == 0.1 and [p.shape for p in decay["params"]] == [(4, 3)]
    assert no_decay["weight_decay"] == 0.0 and len(no_decay["params"]) == 3
