from pathlib import Path

import pytest

from coderl.errors import DataError
from coderl.problems import LOADERS, load_problems
from coderl.problems.loaders import get_loader

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "problems"


def test_registry_names_every_benchmark():
    expected = {"humaneval", "mbpp", "mbpp-sanitized", "apps", "codecontests", "jsonl"}
    assert expected | {"synthetic", "xlcost", "xlcost-reverse"} == set(LOADERS)
    assert LOADERS["synthetic"] == "coderl.problems.loaders.synthetic"
    for name in expected:
        assert callable(get_loader(name))


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(DataError, match=r"unknown benchmark 'humaneva'.*apps, codecontests"):
        load_problems("humaneva")


def test_slice_applies_after_split_and_keeps_spec_text():
    spec = f"mbpp:{FIXTURES / 'mbpp.jsonl'}[1:3]"
    problems = load_problems(spec)
    assert [p.id for p in problems] == ["11", "520"]
    assert problems.spec == spec
    assert len(problems.skipped) == 1  # skipped rows are reported whatever the slice


def test_missing_path_and_missing_file_name_the_fix():
    with pytest.raises(DataError, match="mbpp needs a path: use mbpp:PATH"):
        load_problems("mbpp")
    with pytest.raises(DataError, match=r"nope\.jsonl does not exist"):
        load_problems("apps:nope.jsonl")
