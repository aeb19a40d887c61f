"""The problem families, each a function ``(rng, level) -> Program``.

Level is the number of composed operations: 1 one operation, 2 two, 3 three (or a loop with a
condition). A conditional that changes the value in both branches counts as two.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from coderl.problems.synthetic import steps as st
from coderl.problems.synthetic.loops import loop
from coderl.problems.synthetic.program import XS, N, Program, S, int_arg, pipeline

_OPERAND = (
    int_arg("a", -10, 20, (0, -7)),
    int_arg("b", -10, 20, (0, 3)),
    int_arg("c", -10, 20, (0, 2)),
)


def arithmetic(rng: random.Random, level: int) -> Program:
    """Arithmetic on the arguments a, b, c and constants: "Start from a: multiply it by b, ..."."""
    operands: list[str | None]  # None: a constant operand
    if level == 1:
        operands = [rng.choice(["b", None])]
    else:
        operands = [*["b", "c"][: level - 1], None]
        rng.shuffle(operands)
    chain = [st.arg_op(rng, name) if name else st.int_op(rng) for name in operands]
    used = {name for name in operands if name}
    args = [arg for arg in _OPERAND if arg.name == "a" or arg.name in used]
    return pipeline("arithmetic", level, args, chain)


def list_transform(rng: random.Random, level: int) -> Program:
    """Maps, filters, reorderings and slices of a list of integers, returning a list."""
    return pipeline("list_transform", level, [XS], [st.list_op(rng) for _ in range(level)])


def aggregate(rng: random.Random, level: int) -> Program:
    """List steps, then one aggregation (sum, largest, smallest, length, count of a value)."""
    chain = [st.list_op(rng) for _ in range(level - 1)]
    return pipeline("aggregate", level, [XS], [*chain, st.aggregate(rng)])


def string(rng: random.Random, level: int) -> Program:
    """String steps; the last may count (a letter, or the length) instead."""
    chain = [st.str_op(rng) for _ in range(level)]
    if rng.random() < 0.3:
        chain[-1] = st.str_aggregate(rng)
    return pipeline("string", level, [S], chain)


def conditional(rng: random.Random, level: int) -> Program:
    """An if/else on a comparison, on an integer argument or on an aggregate of a list."""
    if level == 1:
        return pipeline("conditional", 1, [N], [st.ternary(rng, 1)])
    if level == 2:
        chain = [st.ternary(rng, 2)] if rng.random() < 0.5 else [st.int_op(rng), st.ternary(rng, 1)]
        return pipeline("conditional", 2, [N], chain)
    if rng.random() < 0.5:
        chain = [st.aggregate(rng), st.ternary(rng, 2)]
    else:
        chain = [st.list_op(rng), st.aggregate(rng), st.ternary(rng, 1)]
    return pipeline("conditional", 3, [XS], chain)


FAMILIES: dict[str, Callable[[random.Random, int], Program]] = {
    "arithmetic": arithmetic,
    "list_transform": list_transform,
    "aggregate": aggregate,
    "string": string,
    "conditional": conditional,
    "loop": loop,
}
