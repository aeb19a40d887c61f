import json
import shutil
from pathlib import Path

import pytest

from coderl.errors import DataError
from coderl.problems.loaders.apps import io_tests, load
from coderl.problems.types import TestCase

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"


def test_folder_layout_stdio_problem():
    problems = load(str(FIXTURES / "apps" / "test"), None)
    total = problems.by_id()["apps/test/0000"]
    assert total.split == "test" and total.difficulty == "introductory"
    assert total.tests == (TestCase.stdio("3\n1 2 3\n", "6\n"), TestCase.stdio("2\n5 5", "10"))
    assert total.example_tests[0] == TestCase.stdio("3\n1 2 3\n", "6\n")
    assert total.entry_point is None and not total.is_call_based
    assert total.metadata == {"url": "https://example.org/0000"}
    assert len(total.solutions) == 1


def test_folder_layout_call_based_problem_keeps_raw_outputs():
    two_sum = load(str(FIXTURES / "apps" / "test"), None).by_id()["apps/test/0001"]
    assert two_sum.entry_point == "twoSum"
    assert two_sum.starter_code.startswith("class Solution:")
    assert two_sum.tests == (
        TestCase.call([[2, 7, 11, 15], 9], [[0, 1]]),  # wrapped, as stored
        TestCase.call([[3, 3], 6], [0, 1]),
    )
    assert two_sum.metadata["output_may_be_wrapped"] is True
    assert two_sum.example_tests[1] == TestCase.call([[3, 2, 4], 6], [1, 2])


def test_broken_folders_are_skipped_with_reasons():
    problems = load(str(FIXTURES / "apps" / "test"), None)
    reasons = {Path(row.where).name: row.reason for row in problems.skipped}
    assert reasons == {
        "0002": "input_output has 2 inputs but 1 outputs",
        "0003": "solutions.json:3: not valid JSON (Expecting value)",
        "0005": "missing question.txt",
    }
    assert problems.by_id()["apps/test/0004"].tests == ()  # kept, reported as untested


def test_root_folder_split_selection(tmp_path):
    shutil.copytree(FIXTURES / "apps" / "test", tmp_path / "test")
    shutil.copytree(FIXTURES / "apps" / "test" / "0000", tmp_path / "train" / "0042")
    assert len(load(str(tmp_path), None)) == 4
    assert [p.id for p in load(str(tmp_path), "train")] == ["apps/train/0042"]
    with pytest.raises(DataError, match="splits present: test, train"):
        load(str(tmp_path), "valid")


def test_empty_folder_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="holds no problem folders"):
        load(str(tmp_path), None)


def test_row_layout_jsonl():
    problems = load(str(FIXTURES / "apps_rows.jsonl"), "test")
    fruits, digits = problems.problems
    assert fruits.id == "apps/test/0007" and fruits.split == "test"
    assert fruits.tests[1] == TestCase.stdio("1 1\n", "2\n")
    assert fruits.example_tests == (TestCase.stdio("3 4\n", "7\n"),)
    assert digits.entry_point == "add_digits"
    assert digits.tests[0] == TestCase.call([5], [5])
    assert digits.example_tests == (TestCase.call([123], 6),)
    [skipped] = problems.skipped
    assert skipped.where.endswith("apps_rows.jsonl:3") and "input_output" in skipped.reason


def test_row_layout_parquet_takes_split_from_file_name(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    lines = (FIXTURES / "apps_rows.jsonl").read_text().splitlines()
    path = tmp_path / "test-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist([json.loads(line) for line in lines]), path)
    problems = load(str(path), None)
    assert [p.id for p in problems] == ["apps/test/0007", "apps/test/0008"]
    assert problems.skipped[0].where == f"{path}:row 2"


@pytest.mark.parametrize(
    ("io", "message"),
    [
        ({"inputs": ["1"], "outputs": []}, "1 inputs but 0 outputs"),
        ({"fn_name": "f", "inputs": [5], "outputs": [5]}, "not a list of arguments"),
        ({"inputs": [3], "outputs": ["3"]}, "neither a string nor a list of lines"),
    ],
)
def test_unusable_input_output(io, message):
    with pytest.raises(ValueError, match=message):
        io_tests(io)
