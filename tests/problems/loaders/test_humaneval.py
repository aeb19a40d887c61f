from pathlib import Path

import pytest

from coderl.errors import DataError
from coderl.problems.loaders.humaneval import load
from coderl.problems.types import TestCase

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"


def test_bundled_humaneval_has_164_problems():
    problems = load(None, None)
    assert len(problems) == 164 and not problems.skipped
    first = problems.problems[0]
    assert first.id == "HumanEval/0" and first.entry_point == "has_close_elements"
    assert first.code_prefix == first.statement
    assert first.solutions[0].startswith(first.code_prefix)
    assert "def check(candidate)" in first.tests[0].code


def test_file_rows_and_skipped_row():
    problems = load(str(FIXTURES / "humaneval.jsonl"), None)
    add = problems.by_id()["Toy/0"]
    assert add.code_prefix.startswith("def add(a: int, b: int)")
    assert add.tests == (TestCase.assertion(add.tests[0].code),)
    assert "assert candidate(1, 2) == 3" in add.tests[0].code
    assert add.solutions == (add.code_prefix + "    return a + b\n",)
    assert add.split == "test" and add.source == "humaneval"
    [skipped] = problems.skipped
    assert skipped.where.endswith("humaneval.jsonl:3") and "entry_point" in skipped.reason


def test_only_split_is_test():
    assert len(load(str(FIXTURES / "humaneval.jsonl"), "test")) == 2
    with pytest.raises(DataError, match="no problems in split 'train'"):
        load(str(FIXTURES / "humaneval.jsonl"), "train")


def test_humaneval_plus_keeps_inputs_and_test():
    problems = load(str(FIXTURES / "humaneval_plus.jsonl"), None).by_id()
    neg = problems["Toy/1"]
    assert neg.tests[0].code == "def check(candidate):\n    assert candidate(1) == -1\n"
    assert neg.metadata == {"base_input": [[1]], "plus_input": [], "atol": 0, "variant": "plus"}


def test_humaneval_plus_without_test_gets_a_differential_check():
    halve = load(str(FIXTURES / "humaneval_plus.jsonl"), None).by_id()["Toy/0"]
    scope: dict = {}
    exec(halve.tests[0].code, scope)  # trusted test code, as the judge runs it
    scope["check"](lambda x: x / 2)
    scope["check"](lambda x: x / 2 + 1e-9)  # within atol
    with pytest.raises(AssertionError, match=r"input \[1000000000.0\]"):
        scope["check"](lambda x: 0.5 if x == 1.0 else 1.5 if x == 3.0 else x)
