from __future__ import annotations

import json
import random

import pytest

from coderl.errors import DataError
from coderl.evaluation.provenance import Provenance
from coderl.evaluation.report import build_report
from coderl.execution.types import Judgement, Verdict
from coderl.problems.types import Problem

P, W, R, X = Verdict.PASSED, Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR, Verdict.INFRA_ERROR


def problem(pid: str, difficulty: str | None = None) -> Problem:
    return Problem(id=pid, source="apps", statement="s", difficulty=difficulty)


PROBLEMS = [
    problem("v1", "interview"),
    problem("i1", "introductory"),
    problem("i2", "introductory"),
    problem("u1"),
    problem("empty", "competition"),
    problem("broken", "competition"),
]
VERDICTS = {
    "i1": [P, W, W, R],
    "i2": [W, W, W, W],
    "v1": [P, P, X, W, W],  # the infra_error leaves n = 4, c = 2
    "u1": [P, P, P, P],
    "broken": [X, X],
}


def judgements(verdicts: dict[str, list[Verdict]]) -> list[Judgement]:
    return [Judgement(pid, i, v) for pid, vs in verdicts.items() for i, v in enumerate(vs)]


def test_pass_at_k_per_difficulty_and_overall() -> None:
    report = build_report(PROBLEMS, judgements(VERDICTS), ks=[2, 1])
    assert report.metrics == ("pass@1", "pass@2")
    rows = {row.group: row for row in report.rows}
    assert [row.group for row in report.rows] == ["introductory", "interview", "unknown", "all"]
    assert (rows["introductory"].problems, rows["introductory"].samples) == (2, 8)
    assert (rows["interview"].problems, rows["interview"].samples) == (1, 4)
    assert (rows["all"].problems, rows["all"].samples) == (4, 16)
    assert rows["introductory"].scores["pass@1"] == pytest.approx((0.25 + 0.0) / 2)
    assert rows["interview"].scores["pass@1"] == pytest.approx(0.5)
    assert rows["all"].scores["pass@1"] == pytest.approx((0.25 + 0.0 + 0.5 + 1.0) / 4)
    # pass@2: i1 1 - C(3,2)/C(4,2) = 1/2; v1 1 - C(2,2)/C(4,2) = 5/6
    assert rows["all"].scores["pass@2"] == pytest.approx((1 / 2 + 0 + 5 / 6 + 1) / 4)


def test_counts_infra_errors_and_unscored_problems() -> None:
    report = build_report(PROBLEMS, judgements(VERDICTS), ks=[1])
    assert (report.num_problems, report.num_samples, report.infra_error_samples) == (6, 19, 3)
    assert report.verdicts == {
        "passed": 7,
        "wrong_answer": 8,
        "runtime_error": 1,
        "timeout": 0,
        "memory_limit": 0,
        "compile_error": 0,
        "infra_error": 3,
    }
    assert report.problems_without_samples == ("empty",)
    assert report.problems_only_infra_error == ("broken",)


def test_a_k_beyond_some_problems_samples_is_dropped_with_the_reason() -> None:
    report = build_report(PROBLEMS, judgements(VERDICTS), ks=[1, 5])
    assert report.metrics == ("pass@1",)
    assert set(report.dropped) == {"pass@5"}
    assert "4 problem(s) have fewer than 5" in report.dropped["pass@5"]


def test_order_of_judgements_does_not_matter() -> None:
    shuffled = judgements(VERDICTS)
    random.Random(1).shuffle(shuffled)
    provenance = Provenance(problems="fixed")  # one timestamp for both reports
    assert build_report(PROBLEMS, shuffled, ks=[1, 2], provenance=provenance) == build_report(
        PROBLEMS, judgements(VERDICTS), ks=[1, 2], provenance=provenance
    )


def test_duplicate_judgements_are_an_error() -> None:
    with pytest.raises(DataError, match="'i1' sample 0 is judged twice"):
        build_report(PROBLEMS, [*judgements(VERDICTS), Judgement("i1", 0, W)], ks=[1])


def test_n_at_k_uses_the_example_judgements() -> None:
    hidden = {"a": [W, P, W, W], "b": [P, W, W, X]}
    examples = {"a": [P, P, W, P], "b": [W, P, P, P]}
    problems = [problem("a"), problem("b")]
    report = build_report(
        problems, judgements(hidden), [1], judgements(examples), n_at_k=[(1, 3), (1, 4), (2, 3)]
    )
    assert report.metrics == ("pass@1", "1@3", "2@3")
    all_row = report.rows[-1]
    # a: of the 3-subsets, only {1,2,3} submits sample 1 (the correct one) first: 1@3 = 1/4.
    # b: the infra_error leaves samples 0-2; 1 and 2 pass the examples and are submitted
    #    before 0 (the correct one), so 1@3 = 2@3 = 0; 1@4 is dropped, b has 3 samples.
    assert all_row.scores["1@3"] == pytest.approx((1 / 4 + 0) / 2)
    # 2@3 for a: subsets {0,1,2}, {0,1,3}, {1,2,3} submit sample 1; {0,2,3} does not.
    assert all_row.scores["2@3"] == pytest.approx((3 / 4 + 0) / 2)
    assert "1@4" in report.dropped and "judged on both test sets" in report.dropped["1@4"]


def test_n_at_k_without_example_judgements_is_an_error() -> None:
    with pytest.raises(ValueError, match="example_judgements"):
        build_report(PROBLEMS, judgements(VERDICTS), [1], n_at_k=[(1, 2)])


def test_confidence_intervals_are_deterministic_and_bracket_the_mean() -> None:
    rng = random.Random(0)
    verdicts = {f"p{i}": [P if rng.random() < 0.3 else W for _ in range(5)] for i in range(40)}
    problems = [problem(pid) for pid in verdicts]
    provenance = Provenance(problems="fixed")  # one timestamp for both reports
    report = build_report(problems, judgements(verdicts), [1, 5], seed=3, provenance=provenance)
    again = build_report(problems, judgements(verdicts), [1, 5], seed=3, provenance=provenance)
    assert report == again
    for name, (low, high) in report.intervals.items():
        assert low <= report.rows[-1].scores[name] <= high
        assert low < high


def test_to_dict_is_stable_json() -> None:
    report = build_report(PROBLEMS, judgements(VERDICTS), ks=[1, 5])
    data = report.to_dict()
    assert list(data) == [
        "format_version",
        "provenance",
        "problems",
        "scored_problems",
        "samples",
        "scored_samples",
        "infra_error_samples",
        "verdicts",
        "metrics",
        "by_difficulty",
        "confidence",
        "confidence_intervals",
        "dropped_metrics",
        "problems_without_samples",
        "problems_only_infra_error",
    ]
    assert (data["problems"], data["scored_problems"]) == (6, 4)
    assert (data["samples"], data["scored_samples"], data["infra_error_samples"]) == (19, 16, 3)
    assert data["by_difficulty"]["interview"] == {"problems": 1, "samples": 4, "pass@1": 0.5}
    assert list(data["by_difficulty"])[-1] == "all"
    assert json.loads(json.dumps(data)) == data


def test_markdown_table() -> None:
    report = build_report(PROBLEMS, judgements(VERDICTS), ks=[1, 2])
    lines = report.to_markdown().splitlines()
    assert lines[0] == "# Evaluation: problems"
    assert lines[2:8] == [
        "| difficulty | problems | pass@1 | pass@2 |",
        "|---|---:|---:|---:|",
        "| introductory | 2 | 12.50 | 25.00 |",
        "| interview | 1 | 50.00 | 83.33 |",
        "| unknown | 1 | 100.00 | 100.00 |",
        "| all | 4 | 43.75 | 58.33 |",
    ]
    text = "\n".join(lines)
    assert "Problems without samples (1): empty." in text
    assert "Problems whose samples all hit infra_error (1): broken." in text
    assert "Judged samples: 19 (passed" in text
    assert "The 3 infra_error samples (a fault of the judge, not of the program)" in text
    assert "16 samples are scored" in text
    assert "## Provenance" in text and "- coderl version:" in text


def test_write_puts_json_and_markdown_side_by_side(tmp_path) -> None:
    report = build_report(PROBLEMS, judgements(VERDICTS), ks=[1])
    json_path, markdown_path = report.write(tmp_path / "eval" / "report.json")
    assert markdown_path == tmp_path / "eval" / "report.md"
    assert json.loads(json_path.read_text()) == report.to_dict()
    assert markdown_path.read_text() == report.to_markdown()
    with pytest.raises(ValueError, match="markdown"):
        report.write(tmp_path / "report.md")


def test_no_judgements_at_all() -> None:
    report = build_report(PROBLEMS[:2], [], ks=[1])
    assert report.metrics == ()
    assert report.dropped == {"pass@1": "no problem has samples"}
    assert report.rows[-1].problems == 0
    assert "| all | 0 |" in report.to_markdown()
