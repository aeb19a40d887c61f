"""The held-out pass@k that the learning benchmarks and the RL loop's evaluation report."""

from __future__ import annotations

import pytest

from coderl.generation.config import SamplingConfig
from coderl.training.online import mean_pass_at_ks, pass_at_ks


def test_mean_pass_at_ks_by_hand() -> None:
    outcomes = {
        "a": [True, False, False, False],  # pass@1 1/4, pass@2 1 - C(3,2)/C(4,2) = 1/2
        "b": [True, True, True, True],  # 1, 1
        "c": [False, False, False, False],  # 0, 0
        "d": [True],  # pass@1 only: 1
    }
    scores = mean_pass_at_ks(outcomes, (1, 2))
    assert scores[1] == pytest.approx((0.25 + 1 + 0 + 1) / 4)
    assert scores[2] == pytest.approx((0.5 + 1 + 0) / 3)


def test_no_outcomes_scores_zero() -> None:
    assert mean_pass_at_ks({}, (1, 5)) == {1: 0.0, 5: 0.0}


def test_k_above_the_samples_is_refused_before_sampling() -> None:
    with pytest.raises(ValueError, match="pass@5 needs at least 5 samples"):
        pass_at_ks(None, None, [], SamplingConfig(n=2), ks=(1, 5))  # type: ignore[arg-type]
