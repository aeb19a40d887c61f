"""The records that describe what is to be solved: `Problem` and its `TestCase`s.

They are frozen and JSON-serialisable so that they can cross process boundaries (the judge's
workers, Ray) and be written next to a run's outputs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

TestKind = Literal["stdio", "call", "assert"]


@dataclass(frozen=True)
class TestCase:
    """One unit test of a problem.

    - ``stdio``: run the program with ``stdin``; its stdout must match ``expected_stdout``.
    - ``call``: call the problem's entry point with ``args`` (JSON values); the return value
      must equal ``expected_return``.
    - ``assert``: ``code`` is trusted test code (an MBPP ``assert f(x) == y`` line, or
      HumanEval's ``check(candidate)`` source) evaluated on the judge's side; every call of the
      candidate function is proxied into the sandboxed program.
    """

    __test__ = False  # not a pytest test class, despite its name

    kind: TestKind
    stdin: str = ""
    expected_stdout: str = ""
    args: tuple[Any, ...] = ()
    expected_return: Any = None
    code: str = ""

    @classmethod
    def stdio(cls, stdin: str, expected_stdout: str) -> TestCase:
        return cls(kind="stdio", stdin=stdin, expected_stdout=expected_stdout)

    @classmethod
    def call(cls, args: list[Any] | tuple[Any, ...], expected_return: Any) -> TestCase:
        return cls(kind="call", args=tuple(args), expected_return=expected_return)

    @classmethod
    def assertion(cls, code: str) -> TestCase:
        return cls(kind="assert", code=code)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["args"] = list(self.args)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestCase:
        return cls(**{**data, "args": tuple(data.get("args", ()))})


@dataclass(frozen=True)
class Problem:
    """A programming problem, whatever benchmark it came from.

    ``code_prefix`` is code that a completion continues (HumanEval's prompt): the judged
    program is ``code_prefix + completion``. It is empty where the model writes whole
    programs (APPS, MBPP, CodeContests).
    """

    id: str
    source: str
    statement: str
    tests: tuple[TestCase, ...] = ()
    example_tests: tuple[TestCase, ...] = ()
    entry_point: str | None = None
    starter_code: str = ""
    code_prefix: str = ""
    test_setup_code: str = ""
    solutions: tuple[str, ...] = ()
    difficulty: str | None = None
    split: str | None = None
    language: str = "python"
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def is_call_based(self) -> bool:
        return any(t.kind == "call" for t in self.tests)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["tests"] = [t.to_dict() for t in self.tests]
        data["example_tests"] = [t.to_dict() for t in self.example_tests]
        data["solutions"] = list(self.solutions)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(
            **{
                **data,
                "tests": tuple(TestCase.from_dict(t) for t in data.get("tests", ())),
                "example_tests": tuple(
                    TestCase.from_dict(t) for t in data.get("example_tests", ())
                ),
                "solutions": tuple(data.get("solutions", ())),
            }
        )


@dataclass(frozen=True)
class SkippedRow:
    """A dataset row a loader could not turn into a usable problem, and why."""

    where: str  # "path:line" or a problem id
    reason: str


@dataclass(frozen=True)
class ProblemSet:
    """What a loader returns: the problems, plus every row it skipped (never dropped silently)."""

    spec: str
    problems: tuple[Problem, ...]
    skipped: tuple[SkippedRow, ...] = ()

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self):
        return iter(self.problems)

    def by_id(self) -> dict[str, Problem]:
        return {p.id: p for p in self.problems}
