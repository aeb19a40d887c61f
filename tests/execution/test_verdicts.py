"""The one verdict rule and when testing stops, for every language."""

from __future__ import annotations

from coderl.execution.limits import Limits
from coderl.execution.types import TestOutcome, Verdict
from coderl.execution.verdicts import TestBudget, aggregate

V = Verdict


def test_coderl_precedence():
    assert aggregate([]) is V.PASSED
    assert aggregate([V.PASSED, V.WRONG_ANSWER, V.TIMEOUT]) is V.TIMEOUT
    assert aggregate([V.WRONG_ANSWER, V.MEMORY_LIMIT, V.RUNTIME_ERROR]) is V.MEMORY_LIMIT
    assert aggregate([V.TIMEOUT, V.COMPILE_ERROR]) is V.COMPILE_ERROR
    assert aggregate([V.PASSED, V.WRONG_ANSWER]) is V.WRONG_ANSWER


def test_testing_stops_after_a_final_verdict_unless_all_outcomes():
    limits = Limits(cpu_time_s=1)
    for final in (V.TIMEOUT, V.MEMORY_LIMIT):
        assert TestBudget(limits, False, False).stop_after(TestOutcome(final))
        assert not TestBudget(limits, True, False).stop_after(TestOutcome(final))
    assert not TestBudget(limits, False, False).stop_after(TestOutcome(V.WRONG_ANSWER))
    assert TestBudget(limits, True, True).stop_after(TestOutcome(V.WRONG_ANSWER))


def test_the_total_budget_caps_each_test_and_ends_testing():
    budget = TestBudget(Limits(cpu_time_s=1, total_cpu_time_s=2.5), True, False)
    assert budget.next_cpu_limit() == 1
    budget.stop_after(TestOutcome(V.PASSED, cpu_time_s=1.0))
    budget.stop_after(TestOutcome(V.PASSED, cpu_time_s=1.0))
    assert budget.next_cpu_limit() == 0.5 and not budget.spent()
    budget.stop_after(TestOutcome(V.TIMEOUT, cpu_time_s=0.5))
    assert budget.spent()
    outcome, error = budget.spent_outcome()
    assert outcome.verdict is V.TIMEOUT and error.type == "Timeout"
