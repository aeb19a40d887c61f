"""PPOCoder's structural rewards: syntax match and data-flow match against the reference.

Each is CodeBLEU's component for one (candidate, reference) pair, in [0, 1]: the share of
the reference's syntax subtrees, or of its normalised data-flow edges, found in the program.
The reference is the problem's first solution (a translation task's target program) and the
language the problem's, unless the reward names one. A reference without data flow (no
variable is ever assigned from another) gives a data-flow reward of 0 for every program, so
it adds nothing to the comparison of samples.
"""

from __future__ import annotations

from dataclasses import dataclass

from coderl.execution.types import Judgement
from coderl.problems.types import Problem
from coderl.rewards.base import register_reward
from coderl.rewards.dataflow import dataflow_counts
from coderl.rewards.syntax import syntax_counts
from coderl.rewards.trees import canonical_language


def _reference(problem: Problem, reward: str) -> str:
    if not problem.solutions:
        raise ValueError(f"{reward} reward: problem {problem.id!r} has no reference solution")
    return problem.solutions[0]


def _share(counts, reward: str, language: str | None, problem: Problem, program: str) -> float:
    """``counts``' matched share of the reference's items (0 when the reference has none)."""
    matched, total = counts(
        _reference(problem, reward), program, canonical_language(language or problem.language)
    )
    return matched / total if total else 0.0


@register_reward("syntax_match")
@dataclass(frozen=True)
class SyntaxMatchReward:
    """Share of the reference's AST subtrees (node types only) that the program has."""

    language: str | None = None
    needs_tests = False

    def __post_init__(self) -> None:
        if self.language is not None:
            canonical_language(self.language)

    def __call__(self, problem: Problem, program: str, judgement: Judgement) -> float | None:
        return _share(syntax_counts, "syntax_match", self.language, problem, program)


@register_reward("dataflow_match")
@dataclass(frozen=True)
class DataflowMatchReward:
    """Share of the reference's data-flow edges (variables renamed canonically) that the
    program has."""

    language: str | None = None
    needs_tests = False

    def __post_init__(self) -> None:
        if self.language is not None:
            canonical_language(self.language)

    def __call__(self, problem: Problem, program: str, judgement: Judgement) -> float | None:
        return _share(dataflow_counts, "dataflow_match", self.language, problem, program)
