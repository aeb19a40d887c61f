"""MBPP (Austin et al. 2021), original and sanitized releases; the layout is detected per row.

- original: ``text``, ``code``, ``task_id``, ``test_setup_code``, ``test_list``,
  ``challenge_test_list``;
- sanitized: ``prompt``, ``code``, ``task_id``, ``test_imports``, ``test_list``,
  ``source_file``.

Splits follow the task id (the paper's convention): 1-10 ``prompt``, 11-510 ``test``,
511-600 ``validation``, 601-974 ``train``. Every assert line is one test; the challenge asserts
are kept in ``metadata["challenge_tests"]``. The example tests are all the asserts: the paper's
prompt shows every one of them to the model, so none is hidden from it. Both layouts get source
``mbpp`` (one prompt convention); sanitized rows carry ``metadata["variant"] = "sanitized"``.
"""

from __future__ import annotations

import ast
import builtins
import warnings
from typing import Any

from coderl.problems.loaders.rows import read_jsonl, require_path
from coderl.problems.loaders.splits import select_split
from coderl.problems.types import Problem, ProblemSet, SkippedRow, TestCase

SPLITS = (("prompt", 1, 10), ("test", 11, 510), ("validation", 511, 600), ("train", 601, 974))


def split_of(task_id: int) -> str | None:
    """The conventional split of an MBPP task id (None outside 1-974)."""
    for name, first, last in SPLITS:
        if first <= task_id <= last:
            return name
    return None


def load(path: str | None, split: str | None) -> ProblemSet:
    """The rows of an MBPP JSONL file (original or sanitized), optionally one split."""
    source = require_path("mbpp", path)
    problems: list[Problem] = []
    skipped: list[SkippedRow] = []
    for where, row in read_jsonl(source):
        try:
            problems.append(_problem(row))
        except ValueError as err:
            skipped.append(SkippedRow(where, str(err)))
    return ProblemSet(
        spec=f"mbpp:{source}",
        problems=select_split(problems, split, str(source)),
        skipped=tuple(skipped),
    )


def _problem(row: dict[str, Any]) -> Problem:
    sanitized = "prompt" in row and "text" not in row
    statement = row.get("prompt" if sanitized else "text")
    task_id = row.get("task_id")
    asserts = [line for line in row.get("test_list") or [] if line.strip()]
    if not isinstance(statement, str) or not isinstance(task_id, int):
        raise ValueError("needs a text (or prompt) string and an integer task_id")
    if not asserts:
        raise ValueError(f"task {task_id}: test_list has no assert")
    if sanitized:
        setup = "\n".join(row.get("test_imports") or [])
    else:
        setup = row.get("test_setup_code") or ""
    code = row.get("code") or ""
    tests = tuple(TestCase.assertion(line) for line in asserts)
    metadata: dict[str, Any] = {"challenge_tests": list(row.get("challenge_test_list") or [])}
    if sanitized:
        metadata.update(variant="sanitized", source_file=row.get("source_file"))
    return Problem(
        id=str(task_id),
        source="mbpp",
        statement=statement,
        tests=tests,
        example_tests=tests,
        entry_point=entry_point(asserts, code),
        test_setup_code=setup,
        solutions=(code,) if code else (),
        split=split_of(task_id),
        metadata=metadata,
    )


def entry_point(asserts: list[str], code: str = "") -> str | None:
    """The function the asserts test: the first one they call that the reference code
    defines, else the first called name that is not a builtin (``assert math.isclose(f(x),
    y)`` tests ``f``)."""
    called: list[str] = []
    for line in asserts:
        try:
            tree = ast.parse(line)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                called.append(node.func.id)
    defined = _defined_functions(code)
    for name in called:
        if name in defined:
            return name
    return next((name for name in called if not hasattr(builtins, name)), None)


def _defined_functions(code: str) -> set[str]:
    try:
        with warnings.catch_warnings():  # MBPP code has "\d" escapes; not ours to warn about
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
