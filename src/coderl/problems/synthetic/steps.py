"""Primitive steps: one operation each, written as one Python expression and one English clause.

A problem chains steps, and a step reads and renders the same wherever it appears, so a small
model that learns each clause-to-code mapping can solve chains it has never seen (the test split
holds only such chains). Expected outputs come from each step's ``fn``, never from running code.
"""

from __future__ import annotations

import json
import operator
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Env = Mapping[str, Any]
Params = Callable[[random.Random], dict[str, Any]]
INT, LIST, STR, BOOL = "int", "list", "str", "bool"
LETTERS = "abcdef"  # input strings use these, so that counted and replaced letters occur


@dataclass(frozen=True)
class Step:
    """One operation from a value of type ``src`` to one of type ``dst``.

    ``code`` is a Python expression with ``{v}`` for its input, ``text`` an English clause with
    ``{it}`` for how that input is named; ``fn(value, env)`` computes the same thing (``env``
    holds the function's arguments). ``variants`` are simpler steps the tests must tell apart
    from this one (the two branches of a conditional).
    """

    slug: str
    code: str
    text: str
    src: str
    dst: str
    fn: Callable[[Any, Env], Any]
    variants: tuple[Step, ...] = ()

    def line(self, v: str) -> str:
        return self.code.format(v=v)

    def clause(self, it: str = "it") -> str:
        return self.text.format(it=it)


def _no_params(rng: random.Random) -> dict[str, Any]:
    return {}


def _k(lo: int, hi: int) -> Params:
    return lambda rng: {"k": rng.randint(lo, hi)}


def _char(rng: random.Random) -> dict[str, Any]:
    return {"c": rng.choice(LETTERS)}


def _two_chars(rng: random.Random) -> dict[str, Any]:
    c = rng.choice(LETTERS)
    return {"c": c, "d": rng.choice([d for d in LETTERS + "xyz" if d != c])}


@dataclass(frozen=True)
class _Op:
    """A step template; its parameters (``{k}``, ``{c}``, ``{d}``) are drawn by ``params``."""

    slug: str
    code: str
    text: str
    fn: Callable[..., Any]
    params: Params = field(default=_no_params)

    def make(self, rng: random.Random, src: str, dst: str) -> Step:
        p = self.params(rng)
        code, text = self.code, self.text
        for key, value in p.items():  # JSON literals are Python literals for ints and letters
            code = code.replace("{" + key + "}", json.dumps(value))
            text = text.replace("{" + key + "}", json.dumps(value))
        return Step(self.slug, code, text, src, dst, lambda v, _env: self.fn(v, **p))


INT_OPS = (
    _Op("plus", "{v} + {k}", "add {k} to {it}", lambda v, k: v + k, _k(1, 9)),
    _Op("minus", "{v} - {k}", "subtract {k} from {it}", lambda v, k: v - k, _k(1, 9)),
    _Op("times", "{v} * {k}", "multiply {it} by {k}", lambda v, k: v * k, _k(2, 5)),
    _Op(
        "div",
        "{v} // {k}",
        "integer-divide {it} by {k} (rounding down)",
        lambda v, k: v // k,
        _k(2, 4),
    ),
    _Op(
        "mod",
        "{v} % {k}",
        "replace {it} by its remainder modulo {k} (never negative)",
        lambda v, k: v % k,
        _k(2, 5),
    ),
    _Op("square", "{v} * {v}", "square {it}", lambda v: v * v),
    _Op("negate", "-{v}", "negate {it}", lambda v: -v),
    _Op("absolute", "abs({v})", "replace {it} by its absolute value", abs),
)
_SAME = _Op("same", "{v}", "leave {it} unchanged", lambda v: v)
_CONST = _Op("const", "{k}", "replace {it} by {k}", lambda v, k: k, _k(0, 9))

CONDS = (
    _Op("above", "{v} > {k}", "greater than {k}", lambda v, k: v > k, _k(-2, 9)),
    _Op("below", "{v} < {k}", "less than {k}", lambda v, k: v < k, _k(-2, 9)),
    _Op("even", "{v} % 2 == 0", "even", lambda v: v % 2 == 0),
    _Op("odd", "{v} % 2 == 1", "odd", lambda v: v % 2 == 1),
    _Op("multiples", "{v} % {k} == 0", "divisible by {k}", lambda v, k: v % k == 0, _k(3, 5)),
    _Op("without", "{v} != {k}", "different from {k}", lambda v, k: v != k, _k(0, 9)),
)

_LIST_SHAPES = (
    _Op("reverse", "{v}[::-1]", "reverse {it}", lambda v: v[::-1]),
    _Op("sort", "sorted({v})", "sort {it} in ascending order", sorted),
    _Op(
        "sort_desc",
        "sorted({v}, reverse=True)",
        "sort {it} in descending order",
        lambda v: sorted(v, reverse=True),
    ),
    _Op(
        "head",
        "{v}[:{k}]",
        "keep only the first {k} elements of {it}",
        lambda v, k: v[:k],
        _k(1, 4),
    ),
    _Op("tail", "{v}[{k}:]", "drop the first {k} elements of {it}", lambda v, k: v[k:], _k(1, 3)),
)

_AGGREGATES = (
    _Op("total", "sum({v})", "take the sum of the elements", sum),
    _Op(
        "largest",
        "max({v}, default=0)",
        "take the largest element (0 if there is none)",
        lambda v: max(v, default=0),
    ),
    _Op(
        "smallest",
        "min({v}, default=0)",
        "take the smallest element (0 if there is none)",
        lambda v: min(v, default=0),
    ),
    _Op("length", "len({v})", "count the elements", len),
    _Op(
        "count",
        "{v}.count({k})",
        "count the elements equal to {k}",
        lambda v, k: v.count(k),
        _k(-2, 9),
    ),
)

_STR_OPS = (
    _Op("reverse", "{v}[::-1]", "reverse {it}", lambda v: v[::-1]),
    _Op("upper", "{v}.upper()", "convert {it} to upper case", str.upper),
    _Op(
        "swap",
        "{v}.replace({c}, {d})",
        "replace every {c} in {it} with {d}",
        lambda v, c, d: v.replace(c, d),
        _two_chars,
    ),
    _Op(
        "remove",
        '{v}.replace({c}, "")',
        "remove every {c} from {it}",
        lambda v, c: v.replace(c, ""),
        _char,
    ),
    _Op("repeat", "{v} * {k}", "repeat {it} {k} times", lambda v, k: v * k, _k(2, 3)),
    _Op(
        "head",
        "{v}[:{k}]",
        "keep only the first {k} characters of {it}",
        lambda v, k: v[:k],
        _k(1, 4),
    ),
    _Op("tail", "{v}[{k}:]", "drop the first {k} characters of {it}", lambda v, k: v[k:], _k(1, 3)),
    _Op(
        "sort",
        '"".join(sorted({v}))',
        "sort the characters of {it} alphabetically",
        lambda v: "".join(sorted(v)),
    ),
    _Op(
        "double",
        '"".join(c + c for c in {v})',
        "double every character of {it}",
        lambda v: "".join(c + c for c in v),
    ),
)

_STR_AGGREGATES = (
    _Op(
        "count",
        "{v}.count({c})",
        "count the occurrences of {c} in {it}",
        lambda v, c: v.count(c),
        _char,
    ),
    _Op("length", "len({v})", "take the length of {it}", len),
)

_ARG_OPS = {
    "plus": ("+", "add {a} to {{it}}", operator.add),
    "minus": ("-", "subtract {a} from {{it}}", operator.sub),
    "times": ("*", "multiply {{it}} by {a}", operator.mul),
}


def _pick(rng: random.Random, ops: tuple[_Op, ...], allowed: tuple[str, ...] | None) -> _Op:
    return rng.choice([op for op in ops if allowed is None or op.slug in allowed])


def int_op(rng: random.Random, allowed: tuple[str, ...] | None = None) -> Step:
    """An int -> int step with a constant operand (``allowed`` limits the slugs)."""
    return _pick(rng, INT_OPS, allowed).make(rng, INT, INT)


def cond(rng: random.Random) -> Step:
    """A comparison of an int (a predicate, ``dst`` bool); its text is an adjective phrase."""
    return rng.choice(CONDS).make(rng, INT, BOOL)


def arg_op(rng: random.Random, name: str) -> Step:
    """An int -> int step whose operand is the function argument ``name``."""
    slug = rng.choice(sorted(_ARG_OPS))
    symbol, text, fn = _ARG_OPS[slug]
    return Step(
        f"{slug}_{name}",
        f"{{v}} {symbol} {name}",
        text.format(a=name),
        INT,
        INT,
        lambda v, env: fn(v, env[name]),
    )


def map_step(op: Step) -> Step:
    """Apply an int -> int step to each element of a list."""
    return Step(
        op.slug,
        f"[{op.line('x')} for x in {{v}}]",
        op.clause("each element"),
        LIST,
        LIST,
        lambda v, env: [op.fn(x, env) for x in v],
    )


def filter_step(pred: Step) -> Step:
    """Keep the elements of a list that satisfy a predicate."""
    return Step(
        pred.slug,
        f"[x for x in {{v}} if {pred.line('x')}]",
        f"keep only the elements that are {pred.clause()}",
        LIST,
        LIST,
        lambda v, env: [x for x in v if pred.fn(x, env)],
    )


def list_op(rng: random.Random) -> Step:
    """A list -> list step: a map (40%), a filter (40%) or a reordering or slice (20%)."""
    roll = rng.random()
    if roll < 0.4:
        return map_step(int_op(rng))
    if roll < 0.8:
        return filter_step(cond(rng))
    return rng.choice(_LIST_SHAPES).make(rng, LIST, LIST)


def aggregate(rng: random.Random) -> Step:
    """A list -> int step: sum, largest, smallest, length or count of a value."""
    return rng.choice(_AGGREGATES).make(rng, LIST, INT)


def str_op(rng: random.Random) -> Step:
    """A str -> str step."""
    return rng.choice(_STR_OPS).make(rng, STR, STR)


def str_aggregate(rng: random.Random) -> Step:
    """A str -> int step: count of a letter, or length."""
    return rng.choice(_STR_AGGREGATES).make(rng, STR, INT)


def ternary(rng: random.Random, branches: int, allowed: tuple[str, ...] | None = None) -> Step:
    """An if/else on a comparison of an int, as one conditional expression.

    ``branches`` (1 or 2) is how many branches change the value; with 1 the other leaves it
    unchanged, with 2 the second may also be a constant.
    """
    test = cond(rng)
    a = int_op(rng, allowed)
    if branches == 1:
        b = _SAME.make(rng, INT, INT)
    else:
        either = None if allowed is None else (*allowed, "const")
        b = _pick(rng, (*INT_OPS, _CONST), either).make(rng, INT, INT)
    if rng.random() < 0.5:
        a, b = b, a
    return Step(
        "branch",
        f"{a.code} if {test.code} else {b.code}",
        f"if {{it}} is {test.text}, {a.text}, otherwise {b.text}",
        INT,
        INT,
        lambda v, env: a.fn(v, env) if test.fn(v, env) else b.fn(v, env),
        variants=(a, b),
    )
