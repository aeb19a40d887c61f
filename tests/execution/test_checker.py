"""The output checker: every accepted and rejected case of docs/checker.md."""

from __future__ import annotations

import random

import pytest

from coderl.execution.checker import (
    apps_values_match,
    outputs_match,
    tokens_match,
    values_match,
)

ACCEPTED = [
    ("1 2 3\n", "1 2 3\n"),
    ("1 2 3\n", "1 2 3"),  # missing final newline
    ("1 2 3\n", "1 2 3\n\n\n"),  # trailing blank lines
    ("1 2 3\n", "1 2 3   \t\n"),  # trailing blanks on a line
    ("a\nb\n", "a\r\nb\r\n"),  # Windows line endings
    ("a\nb\n", "a\rb\r"),  # old Mac line endings
    ("1 2 3", "1   2\t3"),  # runs of blanks between tokens
    ("1 2 3", "  1 2 3"),  # leading blanks on a line
    ("a\n\nb", "a\n   \nb"),  # an inner blank line may hold blanks
    ("", ""),
    ("", "\n\n  \n"),  # nothing but trailing blank lines
    ("0.5", "0.5000001"),  # within abs_tol
    ("1", "1.0"),  # numbers compare numerically when one is not an integer
    ("1000", "1e3"),
    ("0.5", ".5"),
    ("1e9", "1000000001"),  # within rel_tol of the expected value
    ("-0.0", "0"),
    ("YES", "YES"),
]

REJECTED = [
    ("1 2 3", "1 2"),  # a missing token
    ("1 2", "1 2 3"),  # an extra token
    ("a\nb", "a"),  # a missing line
    ("a", "a\nb"),  # extra output
    ("a\nb", "b\na"),  # lines out of order
    ("1 2", "2 1"),  # tokens out of order
    ("1 2", "1\n2"),  # tokens moved to another line
    ("a\nb", "\na\nb"),  # a leading blank line
    ("a\nb", "a\n\nb"),  # an inner blank line
    ("YES", "yes"),  # case matters
    ("YES", "YES."),
    ("3", "4"),
    ("0.5", "0.5001"),
    ("1000000000000000001", "1000000000000000000"),  # integers are exact
    ("1", "01"),  # a leading zero makes text, not a number
    ("0011", "11"),  # so binary strings stay text
    ("1", "+1"),  # two integers compare as text
    ("nan", "NaN"),
    ("inf", "1e400"),  # not finite, so text
    ("1000", "1_000"),
    ("1", "0x1"),
    ("", "0"),
    ("0", ""),
    ("1 2", "1\u00a02"),  # a no-break space is part of a token, not a separator
]


@pytest.mark.parametrize(("expected", "actual"), ACCEPTED)
def test_accepted(expected: str, actual: str) -> None:
    assert outputs_match(expected, actual)


@pytest.mark.parametrize(("expected", "actual"), REJECTED)
def test_rejected(expected: str, actual: str) -> None:
    assert not outputs_match(expected, actual)


def test_tolerances_are_configurable() -> None:
    assert not outputs_match("1.0", "1.01")
    assert outputs_match("1.0", "1.01", abs_tol=0.02)
    assert outputs_match("100.0", "101", abs_tol=0, rel_tol=0.02)
    assert not outputs_match("100.0", "101", abs_tol=0, rel_tol=0)


def test_relative_tolerance_is_of_the_expected_value() -> None:
    # 0 -> 1e-3 is far from 0 although 1e-3 is "close" to itself relatively
    assert not tokens_match("0", "0.001", abs_tol=0, rel_tol=0.5)
    assert tokens_match("2.0", "3", abs_tol=0, rel_tol=0.5)
    assert not tokens_match("3.0", "2", abs_tol=0, rel_tol=0.2)


def _reformat(text: str, rng: random.Random) -> str:
    """The same tokens and lines with a random but acceptable layout."""
    lines = []
    for line in text.split("\n"):
        blanks = [rng.choice([" ", "  ", "\t"]) for _ in line.split()]
        tokens = [b + t for b, t in zip(blanks, line.split())]
        lines.append("".join(tokens) + rng.choice(["", " ", "\t "]))
    ending = rng.choice(["\n", "\r\n", "\r"])
    return ending.join(lines) + ending * rng.randrange(3)


@pytest.mark.parametrize("seed", range(25))
def test_layout_never_matters_and_a_changed_token_always_does(seed: int) -> None:
    rng = random.Random(seed)
    words = ["0", "1", "-7", "3.25", "YES", "no", "1e5", "abc", "0011"]
    lines = [
        " ".join(rng.choice(words) for _ in range(rng.randrange(1, 5)))
        for _ in range(rng.randrange(1, 5))
    ]
    expected = "\n".join(lines) + "\n"
    assert outputs_match(expected, _reformat(expected, rng))

    changed = lines.copy()
    i = rng.randrange(len(changed))
    changed[i] = changed[i] + " extra"
    assert not outputs_match(expected, "\n".join(changed))
    assert not outputs_match(expected, "\n".join([*lines[:-1], "", lines[-1]]))


@pytest.mark.parametrize("seed", range(10))
def test_numbers_within_tolerance_match_and_beyond_do_not(seed: int) -> None:
    rng = random.Random(seed)
    value = rng.uniform(-1e6, 1e6)
    near = value * (1 + 5e-7)
    far = value * (1 + 5e-5) + 1e-3
    assert outputs_match(f"{value:.9f}", f"{near:.9f}")
    assert outputs_match(f"{value:.9f}", f"{near:e}", abs_tol=1, rel_tol=1e-5)
    assert not outputs_match(f"{value:.9f}", f"{far:.9f}")


# The APPS harness's lenient rules


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ("1 2 3\n", "3 2 1\n"),  # unordered tokens
        ("a\nb\n", "b\na\n"),  # unordered lines
        ("1 1 2", "1 2"),  # sets forget duplicates
        ("0.3333333", "0.333"),  # rounded to 3 decimals
        ("1.00001\n2\n", "1.000015\n2.0\n"),  # np.allclose, one number a line
        ("\n\n a b  \n", "a b"),  # whole-output strip
        ("a\n\n\nb\n", "a\nb\n"),  # empty lines dropped
    ],
)
def test_apps_compat_accepts_what_apps_accepts(expected: str, actual: str) -> None:
    assert outputs_match(expected, actual, apps_compat=True)
    assert not outputs_match(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [("1 2", "1 3"), ("YES", "yes"), ("0.333", "0.334"), ("a b", "a b c"), ("abc", "")],
)
def test_apps_compat_still_rejects_different_answers(expected: str, actual: str) -> None:
    assert not outputs_match(expected, actual, apps_compat=True)


# Call-based return values


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (3, 3),
        (3, 3.0),
        (0.3, 0.1 + 0.2),
        ([1, 2], (1, 2)),  # tuple and list are one sequence
        ([[1, "a"], {"k": [None]}], ((1, "a"), {"k": (None,)})),
        ({"a": 1.0, "b": [True]}, {"b": [True], "a": 1}),
        (True, True),
        (None, None),
        ("s", "s"),
        (float("nan"), float("nan")),
        (float("inf"), float("inf")),
        (10**30, 10**30),
    ],
)
def test_values_that_match(expected: object, actual: object) -> None:
    assert values_match(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (1, True),  # bool is not int
        (True, 1),
        (False, 0),
        (0, None),
        ("1", 1),
        (1, "1"),
        ([1, 2], [2, 1]),
        ([1, 2], [1, 2, 3]),
        ([1], 1),  # only apps_values_match unwraps
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"1": 1}, {1: 1}),
        ({1, 2}, {1, 2}),  # sets are not plain data
        (0.3, 0.31),
        (10**30, 10**30 + 1),  # ints are exact
        (1.5, 10**400),  # beyond float range: no overflow, no match
        (float("inf"), float("-inf")),
        (float("nan"), 0.0),
    ],
)
def test_values_that_do_not_match(expected: object, actual: object) -> None:
    assert not values_match(expected, actual)


def test_value_tolerance_is_configurable() -> None:
    assert values_match([1.0], [1.05], abs_tol=0.1)
    assert not values_match([1.0], [1.05])


def test_apps_unwraps_a_single_element_expected_list() -> None:
    assert apps_values_match([5], 5)
    assert apps_values_match([[1, 2]], (1, 2))
    assert apps_values_match([5], [5])
    assert not apps_values_match([5, 6], 5)
    assert not apps_values_match([5], 6)
    assert not apps_values_match([True], 1)


# An integer answer is exact: one decimal point must not switch to a relative tolerance.
@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        ("999999999999", "1000000999998.0", False),  # within 1e-6 relative, 999999 off
        ("999999999999", "999999999999.0", True),  # the same integer, written as a float
        ("-5", "-5.000", True),
        ("0", "-0.0", True),
        ("7", "7.5", False),
        ("7", "6.9999999999", True),  # within abs_tol
        ("7", "7e0", True),
        ("3", "1e999999999", False),  # no overflow, no float rounding
        ("3", "1e99999999999999999999", False),  # beyond even Decimal's exponents
        ("0", "-1e-99999999999999999999", True),
        ("1", "1." + "0" * 100000, True),
        ("12345678901234567890123", "12345678901234567890124.0", False),  # beyond a float
        ("12345678901234567890123", "12345678901234567890123.0", True),
        ("2.5", "2.5000001", True),  # a decimal expected keeps its tolerance
    ],
)
def test_integer_tokens_are_exact(expected, actual, ok):
    assert outputs_match(expected + "\n", actual + "\n") is ok


@pytest.mark.parametrize(
    ("expected", "actual", "ok"),
    [
        (999999999999, 1000000999998.0, False),
        (999999999999, 999999999999.0, True),
        (2**70 + 1, float(2**70), False),  # a float cannot hold it: never "close"
        (3, float("inf"), False),
        (3, float("nan"), False),
        ([1, 2], [1.0, 2.5], False),
        (1.5, 1.5000001, True),
    ],
)
def test_integer_values_are_exact(expected, actual, ok):
    assert values_match(expected, actual) is ok
