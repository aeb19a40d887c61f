import json

import pytest

from coderl.errors import DataError
from coderl.evaluation.judging import (
    build_submissions,
    read_judgements,
    read_samples,
    split_known,
    write_judgements,
)
from coderl.execution.types import ErrorInfo, Judgement, TestOutcome, Verdict
from coderl.problems import Problem, TestCase

SQUARE = Problem(
    id="p/1",
    source="jsonl",
    statement="square",
    code_prefix="def square(x):\n",
    entry_point="square",
    tests=(TestCase.call([3], 9),),
)


def write_lines(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_human_eval_files_get_indices_in_order(tmp_path):
    path = tmp_path / "samples.jsonl"
    write_lines(
        path,
        [
            {"task_id": "p/1", "completion": "    return x * x\n"},
            {"task_id": "p/1", "completion": "    return x\n"},
            {"problem_id": "p/2", "sample_index": 4, "completion": ""},
        ],
    )
    samples = read_samples(path)
    assert [(s.problem_id, s.sample_index) for s in samples] == [("p/1", 0), ("p/1", 1), ("p/2", 4)]


def test_bad_lines_name_file_and_line(tmp_path):
    path = tmp_path / "samples.jsonl"
    path.write_text('{"task_id": "p/1", "completion": "x"}\n{not json\n')
    with pytest.raises(DataError, match=r"samples\.jsonl:2"):
        read_samples(path)
    write_lines(path, [{"task_id": "p/1"}])
    with pytest.raises(DataError, match=r"samples\.jsonl:1: .*completion"):
        read_samples(path)
    write_lines(
        path,
        [{"task_id": "a", "completion": ""}, {"task_id": "a", "sample_index": 0, "completion": ""}],
    )
    with pytest.raises(DataError, match="twice"):
        read_samples(path)
    with pytest.raises(DataError, match="not found"):
        read_samples(tmp_path / "missing.jsonl")


def test_submissions_continue_the_code_prefix(tmp_path):
    path = tmp_path / "samples.jsonl"
    write_lines(
        path,
        [
            {"task_id": "p/1", "completion": "    return x * x\n"},
            {"task_id": "zz", "completion": ""},
        ],
    )
    samples, unknown = split_known([SQUARE], read_samples(path))
    assert unknown == {"zz"}
    (submission,) = build_submissions([SQUARE], samples, tests="all")
    assert submission.code == "def square(x):\n    return x * x\n"
    assert submission.tests == "all" and submission.sample_index == 0


def test_judgements_round_trip(tmp_path):
    judgements = [
        Judgement("p/1", 0, Verdict.PASSED, (TestOutcome(Verdict.PASSED, 0.01),)),
        Judgement("p/1", 1, Verdict.RUNTIME_ERROR, error=ErrorInfo("ZeroDivisionError", "boom", 2)),
    ]
    path = tmp_path / "j.jsonl"
    write_judgements(path, judgements)
    assert list(read_judgements(path)) == judgements


def test_duplicate_submissions_are_refused_not_dropped():
    from coderl.evaluation.judging import judge_with_progress
    from coderl.execution.types import Submission

    twice = [Submission(SQUARE, "x = 1", sample_index=3), Submission(SQUARE, "x = 2", 3)]
    with pytest.raises(ValueError, match="sample 3 of problem p/1 is submitted twice"):
        judge_with_progress(None, twice, progress=False)  # refused before any judging
