"""One rule from per-test outcomes to a submission's verdict, for every language.

CodeRL's precedence: ``compile_error`` if any test has it; else the first test with a
runtime-class verdict (``runtime_error``, ``timeout``, ``memory_limit``); else
``wrong_answer`` if any; else ``passed``. The Python and the compiled paths both call
`aggregate`, so the same outcomes always give the same verdict (and the same reward).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from coderl.execution.types import ErrorInfo, TestOutcome, Verdict

if TYPE_CHECKING:
    from coderl.execution.limits import Limits

RUNTIME_CLASS = (Verdict.RUNTIME_ERROR, Verdict.TIMEOUT, Verdict.MEMORY_LIMIT)
FINAL = (Verdict.TIMEOUT, Verdict.MEMORY_LIMIT)
"""After one of these, no later test can make the submission pass (see `Submission`)."""


def aggregate(verdicts: Sequence[Verdict]) -> Verdict:
    """The submission's verdict from its tests' verdicts, in test order (empty: passed)."""
    if Verdict.INFRA_ERROR in verdicts:
        return Verdict.INFRA_ERROR
    if Verdict.COMPILE_ERROR in verdicts:
        return Verdict.COMPILE_ERROR
    for verdict in verdicts:
        if verdict in RUNTIME_CLASS:
            return verdict
    if Verdict.WRONG_ANSWER in verdicts:
        return Verdict.WRONG_ANSWER
    return Verdict.PASSED


def first_error(results: Sequence[tuple[TestOutcome, ErrorInfo | None]]) -> ErrorInfo | None:
    """The error the judgement reports: the first test's that has one."""
    return next((error for _, error in results if error is not None), None)


BUDGET_FLOOR_S = 0.05
"""Less CPU than this left for the submission: the next test is not started."""


class TestBudget:
    """When to stop running a submission's tests, and how much CPU the next one may use.

    A test's CPU limit is ``cpu_time_s`` or what is left of the submission's total
    (``Limits.total_cpu_s``), whichever is less. Running stops after the first failure when
    asked (``stop_at_first_failure``); after a ``timeout`` or ``memory_limit`` unless every
    outcome was asked for (``all_outcomes``): the submission cannot pass any more, and slow
    failing programs would otherwise cost the most; and when the total is spent.
    """

    __test__ = False  # not a pytest class

    def __init__(self, limits: Limits, all_outcomes: bool, stop_at_first_failure: bool) -> None:
        self._per_test = limits.cpu_time_s
        self._left = limits.total_cpu_s
        self._all = all_outcomes
        self._first = stop_at_first_failure

    def spent(self) -> bool:
        """No CPU left for another test."""
        return self._left < BUDGET_FLOOR_S

    def next_cpu_limit(self, pending_s: float = 0.0) -> float:
        """The next test's CPU limit; ``pending_s``: CPU of a test not yet charged."""
        return max(min(self._per_test, self._left - pending_s), BUDGET_FLOOR_S)

    def stop_after(self, outcome: TestOutcome) -> bool:
        """Charge ``outcome``'s CPU; whether to run no further test."""
        self._left -= outcome.cpu_time_s
        if self._first and outcome.verdict is not Verdict.PASSED:
            return True
        return not self._all and outcome.verdict in FINAL

    def spent_outcome(self) -> tuple[TestOutcome, ErrorInfo]:
        """What a test gets that was not run because the submission's CPU was spent."""
        detail = "the submission's total CPU budget is spent"
        return TestOutcome(Verdict.TIMEOUT, detail=detail), ErrorInfo("Timeout", detail)
