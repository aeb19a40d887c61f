"""The judged programs as the sample browser shows them: each judgement joined with its
line of the samples file (by problem id and sample index), its first failing test, its error
and, where a critic scored it, its token scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from coderl.errors import DataError
from coderl.execution.types import Judgement, Verdict
from coderl.problems.types import Problem, TestCase
from coderl.reports.records import FailedTest, SampleView, TokenScores

MAX_SHOWN = 2000  # characters of a test's input, expected or actual value shown


def sample_views(
    samples_path: Path | None,
    judgements: Sequence[Judgement],
    problems: dict[str, Problem],
    selection: str,
    label: str,
) -> tuple[SampleView, ...]:
    """One view per judgement, in judgement order; without a samples file, no programs.
    ``selection`` is the tests the programs were judged on (hidden, example, all)."""
    from coderl.problems.loaders.rows import read_jsonl

    rows: dict[tuple[str, int], dict[str, Any]] = {}
    if samples_path is not None:
        counts: dict[str, int] = {}
        for where, row in read_jsonl(samples_path):
            if not isinstance(row, dict):
                raise DataError(f"{where}: expected a JSON object")
            problem_id = str(row.get("problem_id", row.get("task_id")))
            index = row.get("sample_index", counts.get(problem_id, 0))
            counts[problem_id] = index + 1
            rows[(problem_id, index)] = row
    return tuple(
        _sample_view(
            j,
            rows.get((j.problem_id, j.sample_index)),
            problems.get(j.problem_id),
            selection,
            label,
        )
        for j in judgements
    )


def _sample_view(
    judgement: Judgement,
    row: dict[str, Any] | None,
    problem: Problem | None,
    selection: str,
    label: str,
) -> SampleView:
    program = ""
    if row is not None:
        program = row.get("program") or _program(problem, row.get("completion", ""))
    return SampleView(
        policy=label,
        problem_id=judgement.problem_id,
        sample_index=judgement.sample_index,
        verdict=judgement.verdict.value,
        program=program,
        language=problem.language if problem else "python",
        failed_test=_failed_test(judgement, problem, selection),
        error=None if judgement.error is None else asdict(judgement.error),
        token_scores=_token_scores(row),
    )


def _program(problem: Problem | None, completion: str) -> str:
    if problem is None:
        return completion
    from coderl.generation.postprocess import program_from_completion

    return program_from_completion(problem, completion)


def _failed_test(
    judgement: Judgement, problem: Problem | None, selection: str
) -> FailedTest | None:
    """The first failed test; tests run in order, so its position in the judgement is its
    position among the problem's selected tests."""
    failed = next(
        (i for i, t in enumerate(judgement.tests) if t.verdict is not Verdict.PASSED), None
    )
    if failed is None:
        return None
    actual = judgement.tests[failed].detail
    tests: tuple[TestCase, ...] = ()
    if problem is not None:
        tests = {
            "hidden": problem.tests,
            "example": problem.example_tests,
            "all": problem.tests + problem.example_tests,
        }.get(selection, problem.tests)
    if failed >= len(tests):
        return FailedTest(failed, "", "", _cut(actual))
    test = tests[failed]
    if test.kind == "call":
        call = f"{problem.entry_point or 'f'}({', '.join(map(repr, test.args))})"
        return FailedTest(failed, _cut(call), _cut(repr(test.expected_return)), _cut(actual))
    if test.kind == "stdio":
        return FailedTest(failed, _cut(test.stdin), _cut(test.expected_stdout), _cut(actual))
    return FailedTest(failed, _cut(test.code), "the assertion holds", _cut(actual))


def _token_scores(row: dict[str, Any] | None) -> TokenScores | None:
    data = (row or {}).get("token_scores")
    if not isinstance(data, dict):
        return None
    tokens, scores = data.get("tokens"), data.get("scores")
    if not (isinstance(tokens, list) and isinstance(scores, list) and len(tokens) == len(scores)):
        raise DataError(
            f"sample {row.get('problem_id')}#{row.get('sample_index')}: token_scores needs "
            "'tokens' and 'scores' lists of the same length"
        )
    return TokenScores(tuple(map(str, tokens)), tuple(float(s) for s in scores))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + f"... ({len(text)} characters)"
