import pytest

from coderl.errors import DataError
from coderl.problems.spec import ProblemSpec, parse_spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("humaneval", ProblemSpec("humaneval")),
        ("HumanEval", ProblemSpec("humaneval")),
        ("mbpp:data/mbpp.jsonl@test", ProblemSpec("mbpp", "data/mbpp.jsonl", "test")),
        ("apps:data/APPS/test[0:100]", ProblemSpec("apps", "data/APPS/test", None, 0, 100)),
        ("apps:d/x.parquet@train[:5]", ProblemSpec("apps", "d/x.parquet", "train", None, 5)),
        ("jsonl:p.jsonl[10:]", ProblemSpec("jsonl", "p.jsonl", None, 10, None)),
        ("jsonl:C:/data/p.jsonl", ProblemSpec("jsonl", "C:/data/p.jsonl")),
        ("humaneval@test[-3:]", ProblemSpec("humaneval", None, "test", -3, None)),
        ("mbpp-sanitized:s.jsonl", ProblemSpec("mbpp-sanitized", "s.jsonl")),
    ],
)
def test_parse_spec_good(text, expected):
    assert parse_spec(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected NAME"),
        ("data/mbpp.jsonl", "expected NAME"),
        ("mbpp:", "empty PATH"),
        ("apps:x[0-5]", "bad slice"),
        ("apps:x[a:b]", "bad slice"),
    ],
)
def test_parse_spec_bad(text, message):
    with pytest.raises(DataError, match=message):
        parse_spec(text)


def test_select_slices_like_python():
    items = tuple(range(10))
    assert parse_spec("x[2:4]").select(items) == (2, 3)
    assert parse_spec("x[-2:]").select(items) == (8, 9)
    assert parse_spec("x").select(items) == items
