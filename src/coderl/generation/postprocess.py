"""From a model's answer to the program the judge runs.

`program_from_completion` is the only place that builds a judged program; the judge and the
evaluation call it, so every path judges the same program for the same completion. Rules:

1. Code extraction: an answer with fenced blocks (lines starting with ```) yields the first
   block tagged python/py/python3, else the longest block; an unclosed block runs to the end
   of the answer. An answer without fences is code as it is.
2. Completion tasks (``Problem.code_prefix`` non-empty, e.g. HumanEval): the program is
   ``code_prefix + completion``. When the model rewrote the whole function instead of
   continuing it (its first non-blank line is unindented and an unindented line defines
   ``def <entry_point>(``; imports and helpers may come first), the completion becomes
   ``<body indent>pass`` followed by the model's code: the prefix's function gets a no-op
   body and the model's own definition, later in the file, replaces it. All of the model's
   imports and helpers are kept, and the program stays valid Python.

Every step is idempotent, so cleaning an already-clean completion changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from coderl.generation.stops import first_stop
from coderl.problems.types import Problem

PYTHON_TAGS = ("python", "py", "python3")


def extract_code(answer: str) -> str:
    """The code of a chat answer (rule 1)."""
    blocks: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in answer.splitlines(keepends=True):
        fence = line.strip().startswith("```")
        if current is None and fence:
            tag = line.strip()[3:].strip().split(maxsplit=1)
            current = []
            blocks.append((tag[0].lower() if tag else "", current))
        elif current is not None and fence:
            current = None
        elif current is not None:
            current.append(line)
    if not blocks:
        return answer
    python = [lines for tag, lines in blocks if tag in PYTHON_TAGS]
    chosen = python[0] if python else max((lines for _, lines in blocks), key=_length)
    return "".join(chosen)


def cut_at_stops(text: str, stops: Sequence[str]) -> str:
    """``text`` up to the earliest stop string (all of it when none occurs)."""
    index = first_stop(text, stops)
    return text if index is None else text[:index]


def rewrites_function(code: str, entry_point: str | None) -> bool:
    """Whether ``code`` is a whole function (or module) rather than a body (rule 2)."""
    lines = [line for line in code.splitlines() if line.strip()]
    if not lines or lines[0][0] in " \t":
        return False
    name = re.escape(entry_point) if entry_point else r"\w+"
    return re.search(rf"^(async\s+)?def\s+{name}\s*\(", code, re.MULTILINE) is not None


def body_indent(code_prefix: str) -> str:
    """Indentation of the body of the prefix's last function: that of its last line when
    deeper than the ``def`` (a docstring), else the ``def``'s plus four spaces."""
    lines = [line for line in code_prefix.splitlines() if line.strip()]
    defs = [line for line in lines if line.lstrip().startswith(("def ", "async def "))]
    def_indent = _indent(defs[-1]) if defs else ""
    last = _indent(lines[-1]) if lines else ""
    return last if len(last) > len(def_indent) else def_indent + "    "


def clean_completion(problem: Problem, answer: str, stops: Sequence[str] = ()) -> str:
    """The completion to store and judge: cut at ``stops``, code extracted, and a rewritten
    function turned into a continuation of ``problem.code_prefix``."""
    code = extract_code(cut_at_stops(answer, stops))
    if problem.code_prefix and rewrites_function(code, problem.entry_point):
        newline = "" if problem.code_prefix.endswith("\n") else "\n"
        code = f"{newline}{body_indent(problem.code_prefix)}pass\n\n\n{code}"
    return code


def program_from_completion(problem: Problem, completion: str) -> str:
    """The program the judge runs for ``completion`` of ``problem``."""
    return problem.code_prefix + clean_completion(problem, completion)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _length(lines: list[str]) -> int:
    return sum(len(line) for line in lines)
