from __future__ import annotations

import pytest

from coderl.errors import DataError
from coderl.evaluation.samples import ProblemSamples, match_samples
from coderl.execution.types import Judgement, Verdict
from coderl.problems.types import Problem

P, W, X = Verdict.PASSED, Verdict.WRONG_ANSWER, Verdict.INFRA_ERROR
PROBLEMS = [Problem(id=pid, source="apps", statement="s") for pid in ("a", "b", "c")]


def judged(pid: str, verdicts: list[Verdict], start: int = 0) -> list[Judgement]:
    return [Judgement(pid, start + i, v) for i, v in enumerate(verdicts)]


def test_judgements_are_matched_by_id_and_index_not_position() -> None:
    shuffled = [*judged("b", [W], start=1), *judged("a", [P, W]), *judged("b", [P])]
    matched = match_samples(PROBLEMS, reversed(shuffled))
    assert [s.problem.id for s in matched] == ["a", "b", "c"]
    assert [j.verdict for j in matched[0].hidden] == [P, W]
    assert [(j.sample_index, j.verdict) for j in matched[1].hidden] == [(0, P), (1, W)]
    assert matched[2].hidden == ()


def test_infra_errors_are_neither_samples_nor_failures() -> None:
    samples = ProblemSamples(PROBLEMS[0], tuple(judged("a", [P, X, W, X])))
    assert (samples.n, samples.c) == (2, 1)
    assert [j.sample_index for j in samples.judged] == [0, 2]


def test_filter_results_skip_samples_with_an_infra_error_on_either_side() -> None:
    hidden = judged("a", [P, W, P, X])
    examples = judged("a", [W, P, X, P])
    samples = match_samples(PROBLEMS[:1], hidden, examples)[0]
    assert samples.filter_results() == ((False, True), (True, False))


def test_filter_results_need_example_judgements() -> None:
    with pytest.raises(ValueError, match="'a'"):
        ProblemSamples(PROBLEMS[0], tuple(judged("a", [P]))).filter_results()


@pytest.mark.parametrize(
    ("problems", "judgements", "examples", "match"),
    [
        (PROBLEMS + PROBLEMS[:1], [], None, "more than once: 'a'"),
        (PROBLEMS, judged("a", [P]) + judged("a", [W]), None, "'a' sample 0 is judged twice"),
        (PROBLEMS, judged("z", [P]), None, "problem 'z'"),
        (PROBLEMS, judged("a", [P, W]), judged("a", [P]), r"1 sample\(s\) lack one \(\('a', 1\)"),
        (PROBLEMS, judged("a", [P]), judged("a", [P, P]), r"1 have no hidden-test"),
        (PROBLEMS, judged("a", [P]), judged("a", [P]) * 2, "example judgements: .* twice"),
    ],
)
def test_mismatches_are_errors(problems, judgements, examples, match) -> None:
    with pytest.raises(DataError, match=match):
        match_samples(problems, judgements, examples)
