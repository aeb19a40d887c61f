"""APPS (Hendrycks et al. 2021): the original folders, or Hugging Face rows (JSONL, parquet).

- folders: ``PATH/NNNN/{question.txt, input_output.json, solutions.json, metadata.json,
  starter_code.py}``, where PATH is a split folder (``APPS/test``) or the root holding
  ``train/`` and ``test/`` (``@SPLIT`` picks one, none loads both);
- rows: ``problem_id``, ``question``, ``solutions`` and ``input_output`` (JSON strings),
  ``difficulty``, ``url``, ``starter_code``.

A folder or file named after a split (``test``, ``train-0000.parquet``) gives the split;
otherwise ``@SPLIT`` names it. Without ``fn_name`` a test is stdin -> stdout (a list of lines
is joined with newlines); with it, a test calls ``fn_name`` (a ``class Solution`` method when
the starter code says so) with ``inputs[i]`` as the argument list and expects ``outputs[i]``
*as stored*: APPS often wraps a call's result in a one-element list, so the judge accepts the
value or its one-element-list wrapping (``metadata["output_may_be_wrapped"]``). Example
tests are parsed from the statement. A problem without ``input_output.json`` is kept without
tests; unreadable JSON or unequal input/output counts skip the problem (`SkippedRow`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coderl.errors import DataError
from coderl.problems.examples import extract_examples
from coderl.problems.loaders.rows import parse_json_field, read_rows, require_path
from coderl.problems.loaders.splits import select_split, split_from_name
from coderl.problems.types import Problem, ProblemSet, SkippedRow, TestCase


def load(path: str | None, split: str | None) -> ProblemSet:
    """APPS problems from a folder (original layout) or a JSONL/parquet file (HF layout)."""
    source = require_path("apps", path)
    problems: list[Problem] = []
    skipped: list[SkippedRow] = []
    if source.is_dir():
        for folder, label in _problem_folders(source, split):
            try:
                problems.append(_from_folder(folder, label))
            except ValueError as err:
                skipped.append(SkippedRow(str(folder), str(err)))
    else:
        label = split_from_name(source) or split
        for where, row in read_rows(source):
            try:
                problems.append(_from_row(row, label))
            except ValueError as err:
                skipped.append(SkippedRow(where, str(err)))
    return ProblemSet(
        spec=f"apps:{source}",
        problems=select_split(problems, split, str(source)),
        skipped=tuple(skipped),
    )


def _problem_folders(source: Path, split: str | None) -> list[tuple[Path, str | None]]:
    """(problem folder, split label) pairs, in folder-name order."""
    split_dirs = [source / name for name in ("train", "test") if (source / name).is_dir()]
    if split_dirs:
        if split is not None:
            split_dirs = [d for d in split_dirs if d.name == split] or split_dirs
        parents = [(d, d.name) for d in split_dirs]
    else:
        parents = [(source, split_from_name(source) or split)]
    found = [
        (folder, label)
        for parent, label in parents
        for folder in sorted(parent.iterdir())
        if folder.is_dir()
    ]
    if not found:
        raise DataError(f"apps: {source} holds no problem folders (expected NNNN/question.txt)")
    return found


def _read_json(file: Path, default: Any) -> Any:
    if not file.exists():
        return default
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{file.name}:{err.lineno}: not valid JSON ({err.msg})") from err


def _from_folder(folder: Path, split: str | None) -> Problem:
    question = folder / "question.txt"
    if not question.is_file():
        raise ValueError("missing question.txt")
    starter = folder / "starter_code.py"
    metadata = _read_json(folder / "metadata.json", {})
    if not isinstance(metadata, dict):
        raise ValueError("metadata.json is not a JSON object")
    return _problem(
        native_id=folder.name,
        split=split,
        question=question.read_text(encoding="utf-8"),
        io=_read_json(folder / "input_output.json", {}),
        solutions=_read_json(folder / "solutions.json", []),
        difficulty=metadata.get("difficulty"),
        url=metadata.get("url"),
        starter=starter.read_text(encoding="utf-8") if starter.is_file() else "",
    )


def _from_row(row: dict[str, Any], split: str | None) -> Problem:
    problem_id = row.get("problem_id")
    if not isinstance(row.get("question"), str) or problem_id is None:
        raise ValueError("needs a question string and a problem_id")
    return _problem(
        native_id=f"{problem_id:04d}" if isinstance(problem_id, int) else str(problem_id),
        split=split,
        question=row["question"],
        io=parse_json_field(row, "input_output", {}),
        solutions=parse_json_field(row, "solutions", []),
        difficulty=row.get("difficulty"),
        url=row.get("url"),
        starter=row.get("starter_code") or "",
    )


def _problem(
    *,
    native_id: str,
    split: str | None,
    question: str,
    io: dict[str, Any],
    solutions: list[str],
    difficulty: str | None,
    url: str | None,
    starter: str,
) -> Problem:
    if not isinstance(io, dict):
        raise ValueError("input_output is not a JSON object")
    if not (isinstance(solutions, list) and all(isinstance(s, str) for s in solutions)):
        raise ValueError("solutions is not a list of strings")
    fn_name = io.get("fn_name") or None
    metadata: dict[str, Any] = {"url": url} if url else {}
    if fn_name:
        metadata["output_may_be_wrapped"] = True
    return Problem(
        id=f"apps/{split}/{native_id}" if split else f"apps/{native_id}",
        source="apps",
        statement=question,
        tests=io_tests(io),
        example_tests=extract_examples(question, fn_name, starter),
        entry_point=fn_name,
        starter_code=starter,
        solutions=tuple(solutions),
        difficulty=difficulty,
        split=split,
        metadata=metadata,
    )


def io_tests(io: dict[str, Any]) -> tuple[TestCase, ...]:
    """APPS ``input_output`` as tests; ``ValueError`` when it cannot be read as such."""
    inputs, outputs = io.get("inputs") or [], io.get("outputs") or []
    if len(inputs) != len(outputs):
        raise ValueError(f"input_output has {len(inputs)} inputs but {len(outputs)} outputs")
    if io.get("fn_name"):
        for number, args in enumerate(inputs):
            if not isinstance(args, list):
                raise ValueError(f"call-based input {number} is not a list of arguments")
        return tuple(TestCase.call(args, out) for args, out in zip(inputs, outputs))
    return tuple(
        TestCase.stdio(_joined(given, "input", i), _joined(expected, "output", i))
        for i, (given, expected) in enumerate(zip(inputs, outputs))
    )


def _joined(value: Any, what: str, number: int) -> str:
    """A stdio input or output: a string, or a list of lines joined with newlines."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "\n".join(value)
    raise ValueError(f"{what} {number} is neither a string nor a list of lines")
