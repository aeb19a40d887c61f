from collections import Counter
from pathlib import Path

import pytest

from coderl.errors import DataError
from coderl.problems.loaders.mbpp import entry_point, load, split_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"


def test_original_layout():
    problems = load(str(FIXTURES / "mbpp.jsonl"), None)
    assert [p.id for p in problems] == ["2", "11", "520", "700"]
    assert [p.split for p in problems] == ["prompt", "test", "validation", "train"]
    even = problems.by_id()["11"]
    assert [t.code for t in even.tests] == [
        "assert is_even(2) == True",
        "assert not is_even(3)",
        "assert is_even(0)",
    ]
    assert even.example_tests == even.tests  # all shown in the prompt
    assert even.entry_point == "is_even"
    assert even.solutions == ("def is_even(n):\r\n    return n % 2 == 0",)
    assert even.metadata["challenge_tests"] == ["assert is_even(10**20)"]
    assert problems.by_id()["520"].test_setup_code == "import math"


def test_row_without_asserts_is_skipped_with_its_line():
    [skipped] = load(str(FIXTURES / "mbpp.jsonl"), None).skipped
    assert skipped.where.endswith("mbpp.jsonl:5") and "no assert" in skipped.reason


def test_split_filter_and_bad_split():
    assert [p.id for p in load(str(FIXTURES / "mbpp.jsonl"), "validation")] == ["520"]
    with pytest.raises(DataError, match="splits present: prompt, test, train, validation"):
        load(str(FIXTURES / "mbpp.jsonl"), "tst")


def test_sanitized_layout_is_detected():
    problems = load(str(FIXTURES / "mbpp_sanitized.jsonl"), None).by_id()
    root = problems["605"]
    assert root.statement == "Write a function to compute a square root."
    assert root.test_setup_code == "import math"
    assert root.entry_point == "root" and root.split == "train"
    assert root.source == "mbpp" and root.metadata["variant"] == "sanitized"


@pytest.mark.parametrize(
    ("asserts", "code", "expected"),
    [
        (["assert f(1) == 2"], "", "f"),
        (["assert math.isclose(area(1), 3.14)"], "def area(r): pass", "area"),
        (["assert set(pairs([1])) == set([(1, 1)])"], "", "pairs"),
        (["assert int(lobb(5, 3)) == 35"], "def lobb(n, m): pass", "lobb"),
        (["assert x == 1"], "", None),
    ],
)
def test_entry_point_from_asserts(asserts, code, expected):
    assert entry_point(asserts, code) == expected


def test_split_of_task_ids():
    assert [split_of(i) for i in (1, 10, 11, 510, 511, 600, 601, 974, 975)] == [
        "prompt",
        "prompt",
        "test",
        "test",
        "validation",
        "validation",
        "train",
        "train",
        None,
    ]


def test_real_mbpp(shared_data):
    problems = load(str(shared_data / "mbpp" / "mbpp.jsonl"), None)
    assert len(problems) == 974 and not problems.skipped
    counts = Counter(p.split for p in problems)
    assert counts == {"prompt": 10, "test": 500, "validation": 90, "train": 374}
    assert all(p.entry_point for p in problems)
