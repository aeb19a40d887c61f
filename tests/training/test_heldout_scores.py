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


def test_judged_outcomes_has_every_program_of_every_problem() -> None:
    from coderl.execution import Judge
    from coderl.execution.limits import JudgeConfig
    from coderl.models import build_tiny_causal
    from coderl.problems.loaders import load_problems
    from coderl.training.online import judged_outcomes

    problems = list(load_problems("synthetic:n=2@test"))
    sampling = SamplingConfig(n=3, max_new_tokens=8, seed=0)
    with Judge(JudgeConfig(workers=1)) as judge:
        outcomes = judged_outcomes(build_tiny_causal(seed=0), judge, problems, sampling)
        again = pass_at_ks(build_tiny_causal(seed=0), judge, problems, sampling, ks=(1, 3))
    assert {key: len(runs) for key, runs in outcomes.items()} == {p.id: 3 for p in problems}
    assert again == mean_pass_at_ks(outcomes, (1, 3))  # same samples: the sampler is seeded
