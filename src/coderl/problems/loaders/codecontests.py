"""CodeContests (Li et al. 2022) rows: JSONL, or the Hugging Face parquet files.

Fields: ``name``, ``description``, ``public_tests``, ``private_tests``, ``generated_tests``
(each ``{"input": [...], "output": [...]}``), ``difficulty``, ``solutions`` (a list of
strings, or ``{"language": [...], "solution": [...]}``). Public tests are the example tests
(parsed from the description when there are none); hidden tests are private + generated.
Only Python 3 solutions are kept: language ``3``/``PYTHON3`` (``1``/``PYTHON`` is Python 2).
"""

from __future__ import annotations

from typing import Any

from coderl.problems.examples import extract_examples
from coderl.problems.loaders.rows import read_rows, require_path
from coderl.problems.loaders.splits import select_split, split_from_name
from coderl.problems.types import Problem, ProblemSet, SkippedRow, TestCase

# The dataset's Difficulty enum: 0-6 named levels, then Codeforces letters A (7) to V (28).
DIFFICULTIES = ("unknown", "easy", "medium", "hard", "harder", "hardest", "external")
PYTHON3 = ("3", "python3")
_METADATA = ("source", "cf_contest_id", "cf_index", "cf_rating", "cf_tags", "time_limit")


def load(path: str | None, split: str | None) -> ProblemSet:
    """CodeContests problems from a JSONL or parquet file (one file per split)."""
    source = require_path("codecontests", path)
    label = split_from_name(source) or split
    problems: list[Problem] = []
    skipped: list[SkippedRow] = []
    for where, row in read_rows(source):
        try:
            problems.append(_problem(row, label))
        except ValueError as err:
            skipped.append(SkippedRow(where, str(err)))
    return ProblemSet(
        spec=f"codecontests:{source}",
        problems=select_split(problems, split, str(source)),
        skipped=tuple(skipped),
    )


def _problem(row: dict[str, Any], split: str | None) -> Problem:
    name, description = row.get("name"), row.get("description")
    if not (isinstance(name, str) and isinstance(description, str)):
        raise ValueError("needs name and description strings")
    public = _tests(row, "public_tests")
    hidden = _tests(row, "private_tests") + _tests(row, "generated_tests")
    metadata = {key: row[key] for key in _METADATA if row.get(key) is not None}
    if row.get("memory_limit_bytes"):
        metadata["memory_limit_bytes"] = row["memory_limit_bytes"]
    return Problem(
        id=name,
        source="codecontests",
        statement=description,
        tests=hidden,
        example_tests=public or extract_examples(description),
        solutions=python_solutions(row.get("solutions")),
        difficulty=difficulty_name(row.get("difficulty")),
        split=split,
        metadata=metadata,
    )


def _tests(row: dict[str, Any], key: str) -> tuple[TestCase, ...]:
    tests = row.get(key) or {}
    if not isinstance(tests, dict):
        raise ValueError(f"{key} is not an object with input and output lists")
    inputs, outputs = tests.get("input") or [], tests.get("output") or []
    if len(inputs) != len(outputs):
        raise ValueError(f"{key} has {len(inputs)} inputs but {len(outputs)} outputs")
    return tuple(TestCase.stdio(given, expected) for given, expected in zip(inputs, outputs))


def difficulty_name(value: Any) -> str | None:
    """The dataset's difficulty enum as a name (``7`` -> ``A``); strings pass through."""
    if value is None or isinstance(value, str):
        return value
    if 0 <= value < len(DIFFICULTIES):
        return DIFFICULTIES[value]
    return chr(ord("A") + value - len(DIFFICULTIES))


def python_solutions(solutions: Any) -> tuple[str, ...]:
    """Python 3 solutions from either layout of the ``solutions`` field."""
    if not solutions:
        return ()
    if isinstance(solutions, list):
        return tuple(solutions)
    pairs = zip(solutions.get("language") or [], solutions.get("solution") or [])
    return tuple(code for language, code in pairs if str(language).lower() in PYTHON3)
