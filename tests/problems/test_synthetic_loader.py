"""The `synthetic` loader: options in the spec's PATH, splits, sizes and slices."""

from __future__ import annotations

import pytest

from coderl.errors import DataError
from coderl.problems.loaders import load_problems
from coderl.problems.loaders.synthetic import load, parse_options
from coderl.problems.synthetic import SyntheticConfig, generate


def test_options_parse_into_the_config():
    assert parse_options(None) == SyntheticConfig()
    assert parse_options("") == SyntheticConfig()
    assert parse_options("seed=3, n=40,stdio=0.5") == SyntheticConfig(seed=3, n=40, stdio=0.5)


@pytest.mark.parametrize(
    ("path", "names"),
    [("size=3", "size"), ("seed", "seed"), ("seed=x", "seed"), ("n=-1", "n"), ("stdio=2", "stdio")],
)
def test_bad_options_are_errors_that_name_the_option(path, names):
    with pytest.raises(DataError, match=names):
        parse_options(path)


def test_load_gives_the_split_with_its_default_size_and_test_by_default():
    default = load(None, None)
    assert default.spec == "synthetic@test" and len(default) == 200
    small = load("n=30,seed=2", "train")
    assert small.spec == "synthetic:n=30,seed=2@train"
    assert small.problems == generate("train", SyntheticConfig(seed=2, n=30))
    assert {p.split for p in small} == {"train"}


def test_unknown_split_lists_the_valid_ones():
    with pytest.raises(DataError, match="train, validation, test"):
        load(None, "valid")


def test_validation_split_through_the_registry():
    default = load_problems("synthetic@validation")
    assert len(default) == 200 and {p.split for p in default} == {"validation"}
    seeded = load_problems("synthetic:seed=3,n=20@validation")
    assert seeded.problems == generate("validation", SyntheticConfig(seed=3, n=20))
    assert seeded.problems[0].id == "synthetic/validation/0000"


def test_slices_through_the_registry_are_stable():
    part = load_problems("synthetic:n=40@train[10:20]")
    assert [p.id for p in part] == [f"synthetic/train/{i:04d}" for i in range(10, 20)]
    assert part.problems == generate("train", SyntheticConfig(n=40))[10:20]


def test_stdio_option_sets_the_form():
    assert {p.metadata["io"] for p in load("n=20,stdio=1", "test")} == {"stdio"}
    assert {p.metadata["io"] for p in load("n=20,stdio=0", "test")} == {"call"}
