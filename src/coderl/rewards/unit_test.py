"""Rewards from the unit tests' verdicts: CodeRL's four-class scale, binary, pass fraction."""

from __future__ import annotations

from dataclasses import dataclass

from coderl.execution.types import Judgement, Verdict
from coderl.problems.types import Problem
from coderl.rewards.base import register_reward, undecided

# CodeRL (Le et al., 2022), eq. 4: compile error, runtime error (incl. timeout and memory),
# failed tests, passed. infra_error has no class: it is not the program's outcome.
CODERL_SCALE: dict[Verdict, float] = {
    Verdict.COMPILE_ERROR: -1.0,
    Verdict.RUNTIME_ERROR: -0.6,
    Verdict.TIMEOUT: -0.6,
    Verdict.MEMORY_LIMIT: -0.6,
    Verdict.WRONG_ANSWER: -0.3,
    Verdict.PASSED: 1.0,
}


@register_reward("unit_test")
@dataclass(frozen=True)
class UnitTestReward:
    """CodeRL's scale: -1 compile error, -0.6 runtime error/timeout/memory, -0.3 wrong
    answer, +1 passed."""

    def __call__(self, problem: Problem, program: str, judgement: Judgement) -> float | None:
        return None if undecided(judgement) else CODERL_SCALE[judgement.verdict]


@register_reward("binary")
@dataclass(frozen=True)
class BinaryReward:
    """1 when every test passed, else 0 (the pass@1 objective)."""

    def __call__(self, problem: Problem, program: str, judgement: Judgement) -> float | None:
        return None if undecided(judgement) else float(judgement.passed)


@register_reward("pass_fraction")
@dataclass(frozen=True)
class PassFractionReward:
    """The share of tests passed (denser than binary). It needs every test's outcome: judge
    without ``stop_at_first_failure``, or the untried tests count as failed."""

    def __call__(self, problem: Problem, program: str, judgement: Judgement) -> float | None:
        if undecided(judgement):
            return None
        if judgement.passed:
            return 1.0
        total = max(len(judgement.tests), 1)
        return sum(t.verdict is Verdict.PASSED for t in judgement.tests) / total
