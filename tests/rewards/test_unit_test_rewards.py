"""Rewards from verdicts: CodeRL's scale, binary, pass fraction, composite, registry."""

from __future__ import annotations

import pytest

from coderl.errors import ConfigError
from coderl.execution.types import Judgement, TestOutcome, Verdict
from coderl.problems.types import Problem
from coderl.rewards import (
    BinaryReward,
    CompositeReward,
    PassFractionReward,
    UnitTestReward,
    build_reward,
    reward_names,
)

PROBLEM = Problem(id="p", source="test", statement="")


def judged(verdict: Verdict, tests: tuple[Verdict, ...] = ()) -> Judgement:
    return Judgement("p", 0, verdict, tests=tuple(TestOutcome(v) for v in tests))


@pytest.mark.parametrize(
    ("verdict", "value"),
    [
        (Verdict.COMPILE_ERROR, -1.0),
        (Verdict.RUNTIME_ERROR, -0.6),
        (Verdict.TIMEOUT, -0.6),
        (Verdict.MEMORY_LIMIT, -0.6),
        (Verdict.WRONG_ANSWER, -0.3),
        (Verdict.PASSED, 1.0),
    ],
)
def test_coderl_scale(verdict, value):
    assert UnitTestReward()(PROBLEM, "", judged(verdict)) == value


@pytest.mark.parametrize("reward", [UnitTestReward(), BinaryReward(), PassFractionReward()])
def test_infra_error_is_never_scored(reward):
    assert reward(PROBLEM, "", judged(Verdict.INFRA_ERROR)) is None


def test_binary_and_pass_fraction():
    wrong = judged(Verdict.WRONG_ANSWER, (Verdict.PASSED, Verdict.WRONG_ANSWER, Verdict.PASSED))
    assert BinaryReward()(PROBLEM, "", wrong) == 0.0
    assert BinaryReward()(PROBLEM, "", judged(Verdict.PASSED)) == 1.0
    assert PassFractionReward()(PROBLEM, "", wrong) == pytest.approx(2 / 3)
    assert PassFractionReward()(PROBLEM, "", judged(Verdict.COMPILE_ERROR)) == 0.0
    assert PassFractionReward()(PROBLEM, "", judged(Verdict.PASSED)) == 1.0


def test_composite_is_a_weighted_sum_and_undecided_when_a_part_is():
    reward = CompositeReward(((1.0, UnitTestReward()), (0.5, BinaryReward())))
    assert reward(PROBLEM, "", judged(Verdict.PASSED)) == pytest.approx(1.5)
    assert reward(PROBLEM, "", judged(Verdict.WRONG_ANSWER)) == pytest.approx(-0.3)
    assert reward(PROBLEM, "", judged(Verdict.INFRA_ERROR)) is None


def test_registry_builds_by_name_and_lists_the_valid_names():
    assert {"unit_test", "binary", "pass_fraction", "composite"} <= set(reward_names())
    assert isinstance(build_reward("binary"), BinaryReward)
    composite = build_reward(
        "composite", parts=[{"name": "unit_test"}, {"name": "binary", "weight": 2.0}]
    )
    assert composite(PROBLEM, "", judged(Verdict.PASSED)) == pytest.approx(3.0)
    with pytest.raises(ConfigError, match=r"valid: .*unit_test"):
        build_reward("no_such_reward")
