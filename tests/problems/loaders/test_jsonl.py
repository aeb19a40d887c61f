from pathlib import Path

import pytest

from coderl.problems.loaders.jsonl import load, problem_from_row
from coderl.problems.types import Problem, TestCase

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"


def test_rows_round_trip_to_problems():
    problems = load(str(FIXTURES / "problems.jsonl"), None)
    square = problems.by_id()["toy/square"]
    assert square.tests == (TestCase.call([3], 9), TestCase.call([-2], 4))
    assert square.metadata == {"origin": "handwritten"}
    assert Problem.from_dict(square.to_dict()) == square
    [skipped] = problems.skipped
    assert skipped.where.endswith("problems.jsonl:3") and skipped.reason == "unknown field(s) testz"


def test_split_filter():
    assert [p.id for p in load(str(FIXTURES / "problems.jsonl"), "train")] == ["toy/echo"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": 1, "source": "x", "statement": "s"}, "field 'id' must be a string"),
        ({"id": "a", "source": "x", "statement": "s", "tests": [{"kind": "run"}]}, "kind"),
        ({"id": "a", "source": "x", "statement": "s", "tests": [{"kin": "call"}]}, "kin"),
    ],
)
def test_bad_rows_name_the_field(row, message):
    with pytest.raises(ValueError, match=message):
        problem_from_row(row)
