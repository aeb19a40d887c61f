"""The loop family: explicit ``for`` loops, the one family whose body is not a chain of steps.

Two forms, written the same way at every level so that levels compose:

- accumulate: ``t = 0`` (or ``1``), ``for i in range(1, n + 1):`` (or ``for x in xs:``),
  an optional ``if`` on the loop variable, and ``t = t + TERM`` (or ``t = t * TERM``);
- repeat: ``for _ in range(K):`` with one line per step, updating ``n``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from coderl.problems.synthetic import steps as st
from coderl.problems.synthetic.program import XS, Program, int_arg, simpler_chains

_N_RANGE = int_arg("n", 0, 8, (0, 1))
_N_REPEAT = int_arg("n", -10, 20, (0, -7))
# Terms whose line stays right without parentheses after "t + " (or "t * ").
_SUM_TERMS = ("plus", "minus", "times", "div", "mod", "square", "absolute")
_PRODUCT_TERMS = ("times",)
# Steps that keep repeated values small.
_REPEAT_OPS = ("plus", "minus", "times", "div", "mod", "negate", "absolute")


def loop(rng: random.Random, level: int) -> Program:
    """Level 1: a plain running sum/product, or one step repeated; level 2: a term, or two
    steps repeated; level 3: a term under a condition, or an if/else repeated."""
    if rng.random() < (0.25 if level == 1 else 0.5):
        return _accumulate(rng, level)
    return _repeat(rng, level)


def _accumulate(rng: random.Random, level: int) -> Program:
    over_list = rng.random() < 0.5
    product = rng.random() < 0.3
    arg, var = (XS, "x") if over_list else (_N_RANGE, "i")
    term = None
    if level == 2 or (level == 3 and rng.random() < 0.5):
        term = st.int_op(rng, _PRODUCT_TERMS if product else _SUM_TERMS)
    test = st.cond(rng) if level == 3 else None
    start, symbol, noun = ("1", "*", "product") if product else ("0", "+", "sum")
    term_code = term.line(var) if term else var
    update = f"t = t {symbol} {term_code}"
    shown = f"({term_code})" if " " in term_code else term_code
    body = [f"t = {start}", "for x in xs:" if over_list else "for i in range(1, n + 1):"]
    body += [f"    if {test.line(var)}:", f"        {update}"] if test else [f"    {update}"]
    where = "element x of xs" if over_list else "integer i from 1 to n"
    condition = f" that is {test.clause()}" if test else ""
    name = [noun, *([term.slug] if term else []), "list" if over_list else "range"]
    name += ["if", test.slug] if test else []
    simpler = [pair for pair in ((None, test), (term, None)) if pair != (term, test)]
    return Program(
        family="loop",
        level=level,
        name="_".join(name),
        args=(arg,),
        body=tuple(body),
        result="t",
        out_type=st.INT,
        task=f"Compute the {noun} of {shown} over every {where}{condition} "
        f"({start} if there is none).",
        fn=_accumulator(product, over_list, term, test),
        ablations=tuple(_accumulator(product, over_list, t, c) for t, c in simpler),
    )


def _accumulator(
    product: bool, over_list: bool, term: st.Step | None, test: st.Step | None
) -> Callable[[Any], int]:
    def fn(value: Any) -> int:
        total = 1 if product else 0
        for x in value if over_list else range(1, value + 1):
            if test is None or test.fn(x, {}):
                y = term.fn(x, {}) if term else x
                total = total * y if product else total + y
        return total

    return fn


def _repeat(rng: random.Random, level: int) -> Program:
    rounds = rng.randint(2, 4)
    if level == 3:
        body_steps = [st.ternary(rng, 2, _REPEAT_OPS)]
    else:
        body_steps = [st.int_op(rng, _REPEAT_OPS) for _ in range(level)]
    lines = [f"    n = {step.line('n')}" for step in body_steps]
    simpler = [(k, body_steps) for k in range(rounds)]
    simpler += [(rounds, chain) for chain in simpler_chains(st.INT, body_steps)]
    clauses = ", then ".join(step.clause() for step in body_steps)
    return Program(
        family="loop",
        level=level,
        name="_".join(["repeat", *(step.slug for step in body_steps)]),
        args=(_N_REPEAT,),
        body=(f"for _ in range({rounds}):", *lines),
        result="n",
        out_type=st.INT,
        task=f"Start from n and repeat {rounds} times: {clauses}.",
        fn=_repeater(rounds, body_steps),
        ablations=tuple(_repeater(k, chain) for k, chain in simpler),
    )


def _repeater(rounds: int, chain: Sequence[st.Step]) -> Callable[[int], int]:
    def fn(n: int) -> int:
        for _ in range(rounds):
            for step in chain:
                n = step.fn(n, {})
        return n

    return fn
