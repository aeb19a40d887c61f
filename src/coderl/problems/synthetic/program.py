"""A generated program before rendering: arguments, body, English task and reference semantics.

Chains of steps become programs here, written in the one style every family shares: one line
per step, each assigning to the variable of its result type, and the last step's expression
returned (or printed, in the stdio variant).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from coderl.problems.synthetic.steps import INT, LETTERS, LIST, STR, Step

VAR = {INT: "n", LIST: "xs", STR: "s"}
_IT = {INT: "it", LIST: "the list", STR: "the string"}


@dataclass(frozen=True)
class Arg:
    """A function argument: its name, type, a sampler of test values and its edge cases.

    ``sample(rng, typical)`` draws a value; typical values (for the examples in the statement)
    are never empty. ``edges`` are always among the hidden tests.
    """

    name: str
    type: str
    sample: Callable[[random.Random, bool], Any]
    edges: tuple[Any, ...]


def _int_list(rng: random.Random, typical: bool) -> list[int]:
    return [rng.randint(-5, 12) for _ in range(rng.randint(3 if typical else 0, 7))]


def _word(rng: random.Random, typical: bool) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(3 if typical else 0, 8)))


def int_arg(name: str, lo: int, hi: int, edges: tuple[int, ...]) -> Arg:
    return Arg(name, INT, lambda rng, _typical: rng.randint(lo, hi), edges)


XS = Arg("xs", LIST, _int_list, ([], [7]))
S = Arg("s", STR, _word, ("", "a"))
N = int_arg("n", -10, 20, (0, -7))


@dataclass(frozen=True)
class Program:
    """A problem's computation. ``body`` lines precede the result and are indented relative to
    the function body; ``fn(*args)`` is the reference semantics; every function in
    ``ablations`` is a simpler program (a step dropped, a branch taken always, fewer loop
    rounds) that the tests must tell apart from this one."""

    family: str
    level: int
    name: str
    args: tuple[Arg, ...]
    body: tuple[str, ...]
    result: str
    out_type: str
    task: str
    fn: Callable[..., Any]
    ablations: tuple[Callable[..., Any], ...]

    @property
    def key(self) -> str:
        """The computation, independent of function name and I/O: what splits are disjoint in."""
        return "\n".join((*self.body, f"return {self.result}"))


def run_chain(names: Sequence[str], start: str, chain: Sequence[Step]) -> Callable[..., Any]:
    """The reference function of a chain of steps applied to argument ``start``."""

    def fn(*values: Any) -> Any:
        env = dict(zip(names, values))
        value = env[start]
        for step in chain:
            value = step.fn(value, env)
        return value

    return fn


def type_checks(start_type: str, chain: Sequence[Step]) -> bool:
    current = start_type
    for step in chain:
        if step.src != current:
            return False
        current = step.dst
    return True


def simpler_chains(start_type: str, steps: Sequence[Step]) -> list[list[Step]]:
    """Every well-typed proper subsequence of ``steps``, and each with one branch for a step."""
    chains: list[list[Step]] = []
    for size in range(len(steps)):
        for kept in itertools.combinations(steps, size):
            if type_checks(start_type, kept):
                chains.append(list(kept))
    for i, step in enumerate(steps):
        chains.extend([*steps[:i], variant, *steps[i + 1 :]] for variant in step.variants)
    return chains


def pipeline(family: str, level: int, args: Sequence[Arg], steps: Sequence[Step]) -> Program:
    """Chain ``steps`` from the first argument: "Start from xs: A, then B, then C."."""
    start = args[0].name
    body: list[str] = []
    value = start
    for step in steps[:-1]:
        var = VAR[step.dst]
        body.append(f"{var} = {step.line(value)}")
        value = var
    names = [arg.name for arg in args]
    clauses = ", then ".join(step.clause(_IT[step.src]) for step in steps)
    return Program(
        family=family,
        level=level,
        name="_".join(step.slug for step in steps),
        args=tuple(args),
        body=tuple(body),
        result=steps[-1].line(value),
        out_type=steps[-1].dst,
        task=f"Start from {start}: {clauses}.",
        fn=run_chain(names, start, steps),
        ablations=tuple(
            run_chain(names, start, chain) for chain in simpler_chains(args[0].type, steps)
        ),
    )
