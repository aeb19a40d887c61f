"""PPOCoder's per-sample rewards and their default composite (compile + syntax + data flow)."""

from __future__ import annotations

import pytest

pytest.importorskip("tree_sitter")

from coderl.execution.types import Judgement, Verdict
from coderl.problems.types import Problem
from coderl.rewards import (
    CompositeReward,
    DataflowMatchReward,
    SyntaxMatchReward,
    build_reward,
)

MAIN = "int main() { return f(3) - 3; }\n"
REFERENCE = (
    "int f(int n) {\n  int s = 0;\n  for (int i = 0; i < n; i++) s += i;\n  return s;\n}\n" + MAIN
)
RENAMED = (
    "int f(int m) {\n  int t = 0;\n  for (int j = 0; j < m; j++) t += j;\n  return t;\n}\n" + MAIN
)
JUDGEMENT = Judgement("p", 0, Verdict.PASSED)
PROBLEM = Problem(id="p", source="test", statement="", solutions=(REFERENCE,), language="cpp")


def test_structural_rewards_are_one_for_the_reference_and_renamings() -> None:
    for reward in (SyntaxMatchReward(), DataflowMatchReward()):
        assert reward(PROBLEM, REFERENCE, JUDGEMENT) == 1.0
        assert reward(PROBLEM, RENAMED, JUDGEMENT) == 1.0
        assert 0.0 <= reward(PROBLEM, "int f() { return 0; }", JUDGEMENT) < 0.5


def test_ppocoder_default_composite_spans_minus_one_to_three() -> None:
    reward = build_reward("composite")
    assert isinstance(reward, CompositeReward)
    assert [type(part).__name__ for _, part in reward.parts] == [
        "CompilerReward",
        "SyntaxMatchReward",
        "DataflowMatchReward",
    ]
    assert reward(PROBLEM, RENAMED, JUDGEMENT) == 3.0
    broken = reward(PROBLEM, "int f(int m) { return m", JUDGEMENT)
    assert -1.0 <= broken < 0.0


def test_structural_rewards_need_a_reference() -> None:
    bare = Problem(id="q", source="test", statement="", language="cpp")
    with pytest.raises(ValueError, match="problem 'q' has no reference solution"):
        SyntaxMatchReward()(bare, REFERENCE, JUDGEMENT)
    with pytest.raises(ValueError, match="unknown language 'cobol'"):
        build_reward("dataflow_match", language="cobol")
