import json

import pytest

from coderl.errors import DataError
from coderl.generation.sampler import Sample
from coderl.generation.samples_file import done_indices, sample_record
from coderl.problems.types import Problem


def test_done_indices_reads_records_and_task_id(tmp_path):
    path = tmp_path / "s.jsonl"
    assert done_indices(path) == {}
    lines = [
        {"problem_id": "a", "sample_index": 0, "completion": ""},
        {"problem_id": "a", "sample_index": 2, "completion": ""},
        {"task_id": "HumanEval/1", "completion": ""},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert done_indices(path) == {"a": {0, 2}, "HumanEval/1": {0}}


def test_an_unterminated_last_line_is_dropped_from_the_file(tmp_path):
    path = tmp_path / "s.jsonl"
    good = json.dumps({"problem_id": "a", "sample_index": 0, "completion": ""}) + "\n"
    path.write_text(good + '{"problem_id": "a", "sample_ind')
    assert done_indices(path) == {"a": {0}}
    assert path.read_text() == good


def test_a_bad_line_in_the_middle_names_its_line(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"problem_id": "a"}\nnot json\n{"problem_id": "b"}\n')
    with pytest.raises(DataError, match=r"s.jsonl:2"):
        done_indices(path)


def test_record_keeps_raw_text_only_when_cleaning_changed_it():
    problem = Problem(id="p", source="apps", statement="")
    fenced = Sample("```python\nprint(1)\n```", (5, 6), (-0.1, -0.2), True, 0, 3)
    record = sample_record(problem, fenced, ())
    assert record == {
        "problem_id": "p",
        "sample_index": 3,
        "completion": "print(1)\n",
        "program": "print(1)\n",
        "finished": True,
        "num_tokens": 2,
        "text": "```python\nprint(1)\n```",
    }
    plain = Sample("print(2)\n", (5,), (-0.1,), False, 0, 0)
    assert "text" not in sample_record(problem, plain, ())
