"""Deciding whether a program's output is right: stdout text and call-based return values.

The default rule is strict but fair (docs/checker.md states it exactly): layout may differ in
trailing whitespace, runs of spaces and line endings, numbers may differ within a tolerance,
and nothing else may differ. ``apps_compat=True`` reproduces the APPS harness's lenient rules,
only so that numbers can be compared with published ones.
"""

from __future__ import annotations

import decimal
import math
import re
from fractions import Fraction
from typing import Any

_BLANKS = " \t\f\v"
_TOKEN_SPLIT = re.compile(f"[{_BLANKS}]+")
# A plain decimal number: no nan/inf, no hex, no "1_000", no redundant leading zero ("01"),
# so that tokens such as binary strings "0011" keep comparing as text.
_NUMBER = re.compile(r"[+-]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def outputs_match(
    expected: str,
    actual: str,
    *,
    abs_tol: float = 1e-6,
    rel_tol: float = 1e-6,
    apps_compat: bool = False,
) -> bool:
    """Whether stdout ``actual`` is an acceptable answer where ``expected`` is the reference."""
    if apps_compat:
        return _apps_outputs_match(expected, actual)
    expected_lines, actual_lines = _lines(expected), _lines(actual)
    if len(expected_lines) != len(actual_lines):
        return False
    for want_line, got_line in zip(expected_lines, actual_lines):
        want, got = _tokens(want_line), _tokens(got_line)
        if len(want) != len(got):
            return False
        if not all(tokens_match(w, g, abs_tol=abs_tol, rel_tol=rel_tol) for w, g in zip(want, got)):
            return False
    return True


def tokens_match(expected: str, actual: str, *, abs_tol: float, rel_tol: float) -> bool:
    """Equal as text, or both decimal numbers within tolerance; where the expected token is
    an integer, the answer must be that integer (``7.0`` is 7) within ``abs_tol`` only,
    computed exactly: a relative tolerance would let ``1000000999998.0`` pass for
    ``999999999999``."""
    if expected == actual:
        return True
    if _INTEGER.fullmatch(expected):
        if _INTEGER.fullmatch(actual):
            return False  # integers are exact: a float would round away digits of big ones
        return _NUMBER.fullmatch(actual) is not None and _exactly_near(expected, actual, abs_tol)
    want, got = _as_number(expected), _as_number(actual)
    if want is None or got is None:
        return False
    return _close(want, got, abs_tol=abs_tol, rel_tol=rel_tol)


def values_match(
    expected: Any, actual: Any, *, abs_tol: float = 1e-6, rel_tol: float = 1e-6
) -> bool:
    """Whether a returned plain value (JSON-like) equals the expected one.

    Lists and tuples are the same sequence; ``bool`` is not a number; two ints compare exactly,
    a float where an int is expected must equal it within ``abs_tol`` (exactly computed, no
    relative tolerance), any other pair of numbers within tolerance; strings, None and dict
    keys compare exactly.
    Any other type (sets, objects) never matches: only plain data crosses the sandbox.
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if isinstance(expected, int) and isinstance(actual, int):
            return expected == actual
        if isinstance(expected, int):  # an integer answer: exact, within abs_tol at most
            return math.isfinite(actual) and abs(Fraction(actual) - expected) <= abs_tol
        try:
            return _close(float(expected), float(actual), abs_tol=abs_tol, rel_tol=rel_tol)
        except OverflowError:  # an int beyond any float cannot be near a float
            return False
    if expected is None or isinstance(expected, str):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, list | tuple) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(
            values_match(w, g, abs_tol=abs_tol, rel_tol=rel_tol) for w, g in zip(expected, actual)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            values_match(expected[k], actual[k], abs_tol=abs_tol, rel_tol=rel_tol) for k in expected
        )
    return False


def apps_values_match(
    expected: Any, actual: Any, *, abs_tol: float = 1e-6, rel_tol: float = 1e-6
) -> bool:
    """`values_match`, plus APPS's rule that an expected ``[v]`` also accepts a returned ``v``.

    APPS stores each call-based output wrapped in a one-element list, so its judge must apply
    this for APPS problems; elsewhere ``[v]`` and ``v`` are different answers.
    """
    if values_match(expected, actual, abs_tol=abs_tol, rel_tol=rel_tol):
        return True
    return (
        isinstance(expected, list | tuple)
        and len(expected) == 1
        and values_match(expected[0], actual, abs_tol=abs_tol, rel_tol=rel_tol)
    )


def _lines(text: str) -> list[str]:
    """Lines with normalised endings, trailing blanks stripped, trailing empty lines dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip(_BLANKS) for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _tokens(line: str) -> list[str]:
    return [token for token in _TOKEN_SPLIT.split(line) if token]


def _exactly_near(expected: str, actual: str, abs_tol: float) -> bool:
    """|actual - expected| <= abs_tol, in exact decimal arithmetic (no float rounding, any
    exponent: ``1e999999`` is a number, not an overflow)."""
    digits = len(expected) + len(actual) + 30
    with decimal.localcontext() as context:
        context.prec = digits
        context.Emax, context.Emin = decimal.MAX_EMAX, decimal.MIN_EMIN
        try:
            difference = abs(decimal.Decimal(actual) - decimal.Decimal(expected))
            return difference <= decimal.Decimal(abs_tol)
        except decimal.DecimalException:  # an exponent beyond even Decimal's range
            pass
    value = float(actual)  # then it is astronomically large (inf) or small (0.0)
    return math.isfinite(value) and abs(Fraction(value) - int(expected)) <= abs_tol


def _as_number(token: str) -> float | None:
    if not _NUMBER.fullmatch(token):
        return None
    value = float(token)
    return value if math.isfinite(value) else None


def _close(expected: float, actual: float, *, abs_tol: float, rel_tol: float) -> bool:
    """Within ``abs_tol``, or within ``rel_tol`` of the expected value (not of the larger one)."""
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if math.isinf(expected) or math.isinf(actual):
        return expected == actual
    error = abs(actual - expected)
    return error <= abs_tol or error <= rel_tol * abs(expected)


def _apps_outputs_match(expected: str, actual: str) -> bool:
    """The APPS harness's cascade of lenient comparisons, in its order (see docs/checker.md)."""
    out = actual.splitlines()
    if _stripped_equal("\n".join(out), expected):
        return True
    if _stripped_equal("\n".join(line.strip() for line in out), expected):
        return True
    if out == [expected]:
        return True
    want = [line.strip() for line in expected.split("\n") if line]
    out = [line for line in out if line]
    if out == want:
        return True
    if _apps_floats_close(want, out):
        return True
    out_sets = {frozenset(line.split()) for line in out if line.split()}
    want_sets = {frozenset(line.split()) for line in want}
    if out_sets == want_sets:
        return True
    try:
        return _rounded(out_sets) == _rounded(want_sets)
    except ValueError:
        return False


def _stripped_equal(a: str, b: str) -> bool:
    return a.strip() == b.strip()


def _apps_floats_close(want: list[str], out: list[str]) -> bool:
    """``np.allclose`` (rtol 1e-5, atol 1e-8) over one number per line, as APPS does."""
    try:
        want_f, out_f = [float(x) for x in want], [float(x) for x in out]
    except ValueError:
        return False
    return len(want_f) == len(out_f) and all(
        abs(o - w) <= 1e-8 + 1e-5 * abs(w) or o == w for o, w in zip(out_f, want_f)
    )


def _rounded(token_sets: set[frozenset[str]]) -> set[frozenset[float]]:
    return {frozenset(round(float(t), 3) for t in tokens) for tokens in token_sets}
