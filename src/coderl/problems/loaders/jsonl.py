"""coderl's own format: one ``Problem.to_dict()`` a line (see docs/datasets.md).

The format for benchmarks coderl has no loader for, and for problem sets a run writes out.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from coderl.problems.loaders.rows import read_jsonl, require_path
from coderl.problems.loaders.splits import select_split
from coderl.problems.types import Problem, ProblemSet, SkippedRow, TestCase

PROBLEM_FIELDS = {f.name for f in dataclasses.fields(Problem)}
TEST_FIELDS = {f.name for f in dataclasses.fields(TestCase)}
TEST_KINDS = ("stdio", "call", "assert")


def load(path: str | None, split: str | None) -> ProblemSet:
    """Problems from a JSONL file of ``Problem.to_dict()`` rows; ``@SPLIT`` filters on
    ``split``."""
    source = require_path("jsonl", path)
    problems: list[Problem] = []
    skipped: list[SkippedRow] = []
    for where, row in read_jsonl(source):
        try:
            problems.append(problem_from_row(row))
        except ValueError as err:
            skipped.append(SkippedRow(where, str(err)))
    return ProblemSet(
        spec=f"jsonl:{source}",
        problems=select_split(problems, split, str(source)),
        skipped=tuple(skipped),
    )


def problem_from_row(row: dict[str, Any]) -> Problem:
    """A `Problem` from its dict, or ``ValueError`` naming the field at fault."""
    unknown = sorted(set(row) - PROBLEM_FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    for key in ("id", "source", "statement"):
        if not isinstance(row.get(key), str):
            raise ValueError(f"field {key!r} must be a string")
    for key in ("tests", "example_tests"):
        for number, test in enumerate(row.get(key) or []):
            _check_test(test, f"{key}[{number}]")
    return Problem.from_dict(row)


def _check_test(test: Any, where: str) -> None:
    if not isinstance(test, dict):
        raise ValueError(f"{where} must be an object")
    unknown = sorted(set(test) - TEST_FIELDS)
    if unknown:
        raise ValueError(f"{where} has unknown field(s) {', '.join(unknown)}")
    if test.get("kind") not in TEST_KINDS:
        raise ValueError(f"{where}.kind must be one of {', '.join(TEST_KINDS)}")
