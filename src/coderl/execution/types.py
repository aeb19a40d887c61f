"""The judge's records: what is submitted (`Submission`) and what is decided (`Judgement`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

from coderl.problems.types import Problem, TestCase

TestSelection = Literal["hidden", "example", "all"]


class Verdict(str, Enum):
    """The outcome of judging one program (or one test of it).

    CodeRL's four outcome classes (and rewards) map as: ``compile_error`` -> compile error
    (-1.0); ``runtime_error``, ``timeout``, ``memory_limit`` -> runtime error (-0.6);
    ``wrong_answer`` -> failed tests (-0.3); ``passed`` -> passed (+1.0). ``infra_error`` is
    the judge's own fault and maps to no class: such samples leave the batch.
    """

    PASSED = "passed"
    WRONG_ANSWER = "wrong_answer"
    RUNTIME_ERROR = "runtime_error"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    COMPILE_ERROR = "compile_error"
    INFRA_ERROR = "infra_error"


@dataclass(frozen=True)
class Submission:
    """A program to judge against one problem's tests.

    ``code`` is the whole program (for HumanEval-style problems, ``code_prefix + completion``).
    ``stop_at_first_failure`` trades per-test detail for speed (binary rewards). Otherwise
    testing still stops after a ``timeout`` or ``memory_limit`` (no later test can make the
    submission pass, and they would cost the most), unless ``all_outcomes`` asks for every
    test's outcome (dense or pass-rate rewards on slow programs). Tests not run are absent
    from `Judgement.tests`.
    """

    problem: Problem
    code: str
    sample_index: int = 0
    tests: TestSelection = "hidden"
    stop_at_first_failure: bool = False
    all_outcomes: bool = False

    def selected_tests(self) -> tuple[TestCase, ...]:
        """The problem's tests this submission is judged on."""
        problem = self.problem
        return {
            "hidden": problem.tests,
            "example": problem.example_tests,
            "all": problem.tests + problem.example_tests,
        }[self.tests]


@dataclass(frozen=True)
class ErrorInfo:
    """The first error the program raised: exception type, message and line in its code."""

    type: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class TestOutcome:
    """The verdict on one test, with the CPU time the program used on it."""

    __test__ = False  # not a pytest test class, despite its name

    verdict: Verdict
    cpu_time_s: float = 0.0
    wall_time_s: float = 0.0
    detail: str = ""


@dataclass(frozen=True)
class Judgement:
    """The judge's decision on one submission."""

    problem_id: str
    sample_index: int
    verdict: Verdict
    tests: tuple[TestOutcome, ...] = ()
    error: ErrorInfo | None = None
    cpu_time_s: float = 0.0
    wall_time_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED

    def to_dict(self) -> dict[str, Any]:
        """The stable judgements-JSONL format of DESIGN.md."""
        return {
            "problem_id": self.problem_id,
            "sample_index": self.sample_index,
            "verdict": self.verdict.value,
            "tests": [
                {
                    "verdict": t.verdict.value,
                    "cpu_time_s": round(t.cpu_time_s, 6),
                    "wall_time_s": round(t.wall_time_s, 6),
                    "detail": t.detail,
                }
                for t in self.tests
            ],
            "error": None
            if self.error is None
            else {"type": self.error.type, "message": self.error.message, "line": self.error.line},
            "cpu_time_s": round(self.cpu_time_s, 6),
            "wall_time_s": round(self.wall_time_s, 6),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Judgement:
        error = data.get("error")
        return cls(
            problem_id=data["problem_id"],
            sample_index=data["sample_index"],
            verdict=Verdict(data["verdict"]),
            tests=tuple(
                TestOutcome(
                    verdict=Verdict(t["verdict"]),
                    cpu_time_s=t.get("cpu_time_s", 0.0),
                    wall_time_s=t.get("wall_time_s", 0.0),
                    detail=t.get("detail", ""),
                )
                for t in data.get("tests", ())
            ),
            error=None if error is None else ErrorInfo(**error),
            cpu_time_s=data.get("cpu_time_s", 0.0),
            wall_time_s=data.get("wall_time_s", 0.0),
        )
