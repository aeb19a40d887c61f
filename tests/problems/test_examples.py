from pathlib import Path

import pytest

from coderl.problems.examples import extract_examples, parameter_names
from coderl.problems.types import TestCase

STATEMENTS = Path(__file__).resolve().parents[1] / "fixtures" / "problems" / "statements"
stdio = TestCase.stdio
call = TestCase.call

STDIO_CASES = {
    "apps_dashed_examples.txt": [stdio("3\n1 2 3\n", "6\n"), stdio("1\n-5\n", "-5\n")],
    "apps_dashed_sample.txt": [stdio("3 4\n", "7\n")],
    "sample_numbered.txt": [stdio("abc\n", "cba\n"), stdio("z\n", "z\n")],
    "sample_colon.txt": [stdio("2\n1 5\n7 3\n", "5\n7\n")],
    "codechef_example.txt": [stdio("2\n4\n7\n", "YES\nNO\n")],
    "plain_examples.txt": [stdio("2\n\n2 3\n\n4 5\n", "6\n20\n")],
    "markdown_sample.txt": [stdio("4\n", "16\n"), stdio("-3\n", "9\n")],
    "prose_only.txt": [],  # examples told in a sentence are not extracted
}

TWO_SUM = "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
CALL_CASES = {
    "leetcode.txt": (
        "twoSum",
        TWO_SUM,
        [call([[2, 7, 11, 15], 9], [0, 1]), call([[3, 2, 4], 6], [1, 2])],
    ),
    "leetcode_literals.txt": (
        "validPalindrome",
        "class Solution:\n    def validPalindrome(self, s: str) -> bool:\n",
        [call(["aba"], True), call(["abca"], True), call(["abc"], False)],
    ),
    "codewars.txt": (
        "add_digits",
        "def add_digits(n):\n",
        [call([123], 6), call([0], 0), call([99], 18), call([1001], 2)],
    ),
}


@pytest.mark.parametrize("name", sorted(STDIO_CASES))
def test_stdio_styles(name):
    assert list(extract_examples((STATEMENTS / name).read_text())) == STDIO_CASES[name]


@pytest.mark.parametrize("name", sorted(CALL_CASES))
def test_call_based_styles(name):
    fn_name, starter, expected = CALL_CASES[name]
    assert list(extract_examples((STATEMENTS / name).read_text(), fn_name, starter)) == expected


def test_every_fixture_statement_is_covered():
    assert {p.name for p in STATEMENTS.iterdir()} == set(STDIO_CASES) | set(CALL_CASES)


def test_input_format_sections_are_not_examples():
    statement = "Input\nThe first line holds n.\nOutput\nPrint n.\n"
    assert extract_examples(statement) == ()


def test_unparsable_call_examples_are_left_out():
    statement = "Input: nums = [1, 2\nOutput: 3\n\nf(x) == y\nf(1) == 2\n"
    assert extract_examples(statement, "f") == (call([1], 2),)


def test_parameter_names():
    assert parameter_names(TWO_SUM, "twoSum") == ["nums", "target"]
    assert parameter_names("def f(a, b=2, *rest, c: int = 3):\n", "f") == ["a", "b", "rest", "c"]
    assert parameter_names("", "f") == []
