"""Turning a Program into a Problem: test inputs, statement, reference solution, in either the
call-based form (a function) or the stdio form (a whole program reading standard input)."""

from __future__ import annotations

import json
import random
from typing import Any

from coderl.problems.synthetic.program import Program
from coderl.problems.synthetic.steps import LIST, STR
from coderl.problems.types import Problem, TestCase

N_EXAMPLES = 2
N_HIDDEN = 6
MIN_DISTINCT_OUTPUTS = 3  # so that no constant answer passes
MAX_OUTPUT_CHARS = 40  # keeps statements short
DIFFICULTIES = {1: "easy", 2: "medium", 3: "hard"}
_NOUN = {"int": "an integer", LIST: "a list of integers", STR: "a string"}
_RESULT = {"int": "resulting integer", LIST: "resulting list", STR: "resulting string"}

_READ = {
    "int": "{name} = int(input())",
    LIST: "{name} = list(map(int, input().split()))",
    STR: "{name} = input()",
}

Inputs = tuple[Any, ...]


def draw_cases(program: Program, rng: random.Random) -> tuple[list[Inputs], list[Inputs]] | None:
    """Example and hidden inputs that pin the program down, or None when this draw does not.

    Hidden inputs start with the first argument's edge cases. All inputs are distinct, the
    outputs take at least ``MIN_DISTINCT_OUTPUTS`` values, and every ablation of the program
    (a simpler program) gets at least one of them wrong.
    """
    first, *rest = program.args
    examples = [tuple(arg.sample(rng, True) for arg in program.args) for _ in range(N_EXAMPLES)]
    hidden = [(edge, *(arg.sample(rng, False) for arg in rest)) for edge in first.edges]
    while len(hidden) < N_HIDDEN:
        hidden.append(tuple(arg.sample(rng, False) for arg in program.args))
    inputs = examples + hidden
    if len({repr(i) for i in inputs}) < len(inputs):
        return None
    outputs = [program.fn(*i) for i in inputs]
    shown = [repr(out) for out in outputs]
    if len(set(shown)) < MIN_DISTINCT_OUTPUTS or max(map(len, shown)) > MAX_OUTPUT_CHARS:
        return None
    if any(out in ([], "") for out in outputs[:N_EXAMPLES]):  # an empty example shows nothing
        return None
    for simpler in program.ablations:
        if all(simpler(*i) == out for i, out in zip(inputs, outputs)):
            return None
    return examples, hidden


def render(
    program: Program, pid: str, split: str, stdio: bool, cases: tuple[list[Inputs], list[Inputs]]
) -> Problem:
    examples, hidden = cases
    test = _stdio_test if stdio else _call_test
    example_tests = tuple(test(program, i) for i in examples)
    shown = ("\n\n" if stdio else "\n").join(_show(program, t) for t in example_tests)
    if stdio:
        intro = f"Read {_describe(program)} from standard input{_input_format(program)}."
        outro = f"Print the {_RESULT[program.out_type]}{_output_format(program)}."
    else:
        intro = f"Write a function {_signature(program)} that takes {_describe(program)}."
        outro = f"Return the {_RESULT[program.out_type]}."
    return Problem(
        id=pid,
        source="synthetic",
        statement=f"{intro} {program.task} {outro}\n\nExamples:\n{shown}\n",
        tests=tuple(test(program, i) for i in hidden),
        example_tests=example_tests,
        entry_point=None if stdio else program.name,
        starter_code="" if stdio else f"def {_signature(program)}:",
        solutions=(solution(program, stdio),),
        difficulty=DIFFICULTIES[program.level],
        split=split,
        metadata={
            "family": program.family,
            "level": program.level,
            "io": "stdio" if stdio else "call",
        },
    )


def solution(program: Program, stdio: bool) -> str:
    """The reference solution, in the one style all families share."""
    if not stdio:
        lines = [f"def {_signature(program)}:", *(f"    {line}" for line in program.body)]
        return "\n".join([*lines, f"    return {program.result}"]) + "\n"
    reads = [_READ[arg.type].format(name=arg.name) for arg in program.args]
    star = "*" if program.out_type == LIST else ""
    return "\n".join([*reads, *program.body, f"print({star}{program.result})"]) + "\n"


def _signature(program: Program) -> str:
    return f"{program.name}({', '.join(arg.name for arg in program.args)})"


def _describe(program: Program) -> str:
    *most, last = [f"{_NOUN[arg.type]} {arg.name}" for arg in program.args]
    return f"{', '.join(most)} and {last}" if most else last


def _input_format(program: Program) -> str:
    if len(program.args) > 1:
        return ", one per line"
    if program.args[0].type == LIST:
        return ": one line, the elements separated by spaces"
    return " (one line)"


def _output_format(program: Program) -> str:
    return " on one line, its elements separated by spaces" if program.out_type == LIST else ""


def _line(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(map(str, value))
    return str(value)


def _call_test(program: Program, inputs: Inputs) -> TestCase:
    return TestCase.call(list(inputs), program.fn(*inputs))


def _stdio_test(program: Program, inputs: Inputs) -> TestCase:
    stdin = "".join(f"{_line(value)}\n" for value in inputs)
    return TestCase.stdio(stdin, f"{_line(program.fn(*inputs))}\n")


def _show(program: Program, test: TestCase) -> str:
    if test.kind == "stdio":
        return f"Input:\n{test.stdin}Output:\n{test.expected_stdout}".rstrip("\n")
    args = ", ".join(json.dumps(value) for value in test.args)
    return f"{program.name}({args}) == {json.dumps(test.expected_return)}"
