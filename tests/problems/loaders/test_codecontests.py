from pathlib import Path

import pytest

from coderl.problems.loaders.codecontests import difficulty_name, load, python_solutions
from coderl.problems.types import TestCase

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"


def test_public_tests_are_examples_and_hidden_are_private_plus_generated():
    problems = load(str(FIXTURES / "codecontests.jsonl"), None)
    total = problems.by_id()["1000_A. Sum"]
    assert total.example_tests == (TestCase.stdio("1 2\n", "3\n"),)
    assert total.tests == (
        TestCase.stdio("5 5\n", "10\n"),
        TestCase.stdio("0 0\n", "0\n"),
        TestCase.stdio("-1 1\n", "0\n"),
    )
    assert total.difficulty == "A"
    assert total.metadata["cf_rating"] == 800
    assert total.metadata["time_limit"] == {"seconds": 2, "nanos": 0}


def test_only_python3_solutions_are_kept():
    total = load(str(FIXTURES / "codecontests.jsonl"), None).by_id()["1000_A. Sum"]
    assert total.solutions == (
        "a, b = map(int, input().split())\nprint(a + b)\n",
        "print(sum(map(int, input().split())))\n",
    )
    assert python_solutions({"language": ["PYTHON3", "CPP"], "solution": ["x", "y"]}) == ("x",)


def test_examples_come_from_the_description_when_no_public_tests():
    echo = load(str(FIXTURES / "codecontests.jsonl"), None).by_id()["1000_B. Echo"]
    assert echo.example_tests == (TestCase.stdio("abc\n", "abc\n"),)
    assert echo.solutions == ("print(input())\n",) and echo.difficulty == "easy"


def test_mismatched_tests_skip_the_row():
    [skipped] = load(str(FIXTURES / "codecontests.jsonl"), None).skipped
    assert skipped.where.endswith("codecontests.jsonl:3")
    assert skipped.reason == "public_tests has 1 inputs but 0 outputs"


@pytest.mark.parametrize(("value", "name"), [(0, "unknown"), (3, "hard"), (7, "A"), (9, "C")])
def test_difficulty_names(value, name):
    assert difficulty_name(value) == name
