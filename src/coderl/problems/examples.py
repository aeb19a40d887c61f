"""Example tests parsed from a problem statement, for benchmarks that only show them in prose.

CodeRL's critic sampling filters programs by the examples a statement shows; APPS has no
field for them, so they are read back from the text. Styles understood:

- stdin/stdout: APPS/Codeforces ``-----Examples-----`` sections with ``Input``/``Output``
  blocks; ``Sample Input``/``Sample Output`` headers, numbered or not, dashed, plain or with a
  colon; ``Example`` sections with ``Input:``/``Output:`` blocks (CodeChef).
- call-based (a function name is given): LeetCode ``Input: a = 1, b = 2`` / ``Output: 3``
  (values are JSON or Python literals, named arguments are put in signature order), and
  Codewars lines such as ``f(1, 2) == 3``, ``f(1, 2) => 3`` or
  ``Test.assert_equals(f(1, 2), 3)``.

An example that cannot be read exactly is left out rather than guessed.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from coderl.problems.types import TestCase

_DASHED = re.compile(r"^-{3,}\s*(.*?)\s*-{3,}$")
_SAMPLE = r"(?:sample|example)s?\s*(?:test\s*)?(?:case\s*)?(?:#?\s*(\d+)\s*)?"
_NUMBER = r"\s*(?:#?\s*(\d+))?"
_INPUT = re.compile(rf"^(?:{_SAMPLE})?input{_NUMBER}$", re.IGNORECASE)
_OUTPUT = re.compile(rf"^(?:{_SAMPLE})?output{_NUMBER}$", re.IGNORECASE)
_EXPLICIT = re.compile(r"^(?:sample|example)", re.IGNORECASE)
_EXAMPLES = re.compile(
    r"^(?:examples?|samples?|sample tests?|example tests?|sample cases?)\s*(?:#?\s*\d+)?$",
    re.IGNORECASE,
)
_SECTION = re.compile(
    r"^(?:explanations?|notes?|constraints?|hints?|scoring|subtasks?|follow[- ]up)"
    r"\s*(?:#?\s*\d+)?$",
    re.IGNORECASE,
)
_PROSE = re.compile(r"\b(?:the|is|of|and|to|in|we|so)\b")


@dataclass
class _Block:
    kind: str  # "input" or "output"
    number: str | None
    lines: list[str] = field(default_factory=list)


def extract_examples(
    statement: str, fn_name: str | None = None, starter_code: str = ""
) -> tuple[TestCase, ...]:
    """Example tests shown in ``statement``: stdio tests, or call tests when ``fn_name`` is set
    (argument order taken from ``fn_name``'s signature in ``starter_code``)."""
    blocks = _blocks(statement)
    if fn_name is None:
        return tuple(
            TestCase.stdio(_as_lines(_text(given)), _as_lines(_text(expected)))
            for given, expected in _pairs(blocks)
            if _text(expected)
        )
    params = parameter_names(starter_code, fn_name)
    tests: list[TestCase] = []
    for given, expected in _pairs(blocks):
        try:
            tests.append(TestCase.call(_arguments(_text(given), params), _literal(_text(expected))))
        except (ValueError, SyntaxError):
            continue
    tests.extend(_call_lines(statement, fn_name))
    unique = {repr((t.args, t.expected_return)): t for t in reversed(tests)}
    return tuple(reversed(unique.values()))


def parameter_names(starter_code: str, fn_name: str) -> list[str]:
    """Parameter names of ``def fn_name(...)`` in starter code (``self`` and ``*`` dropped)."""
    signature = rf"def\s+{re.escape(fn_name)}\s*\((.*?)\)\s*(?:->[^:]*)?:"
    match = re.search(signature, starter_code, re.S)
    if not match:
        return []
    names = [re.split(r"[:=]", part)[0].strip().lstrip("*") for part in _split_top(match[1])]
    return [name for name in names if name and name != "self"]


def _header(line: str) -> tuple[str, str | None, str] | None:
    """(kind, number, inline text) when ``line`` is a header: kind is input, output, examples
    (an examples region starts) or section (any other heading, which ends a block)."""
    stripped = line.strip().strip("#*").strip()
    dashed = _DASHED.match(stripped)
    title, _, inline = (dashed[1] if dashed else stripped).partition(":")
    title = title.strip().strip("*").strip()
    inline = inline.strip().strip("*").strip()
    for kind, pattern in (("input", _INPUT), ("output", _OUTPUT)):
        match = pattern.match(title)
        if match:
            explicit = bool(_EXPLICIT.match(title))
            if dashed and not explicit:
                return "section", None, ""  # "-----Input-----" describes the input format
            number = match[2] or match[1]
            return (kind if explicit else f"bare-{kind}"), number, inline
    if _EXAMPLES.match(title):
        return "examples", None, inline
    if dashed or _SECTION.match(title):
        return "section", None, ""
    return None


def _blocks(statement: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: _Block | None = None
    in_examples = False
    for line in statement.splitlines():
        header = _header(line)
        if header is None:
            if current is not None:
                current.lines.append(line)
            continue
        kind, number, inline = header
        current = None
        if kind == "examples":
            in_examples = True
        elif kind == "section":
            in_examples = False
        elif kind.startswith("bare-") and not in_examples:
            continue  # "Input" of a plain statement's format section
        else:
            current = _Block(kind.removeprefix("bare-"), number, [inline] if inline else [])
            blocks.append(current)
    return blocks


def _pairs(blocks: list[_Block]) -> list[tuple[_Block, _Block]]:
    """Inputs matched to outputs: by number when every block has one, else each input with
    the output that follows it."""
    if blocks and all(b.number for b in blocks):
        outputs = {b.number: b for b in blocks if b.kind == "output"}
        return [(b, outputs[b.number]) for b in blocks if b.kind == "input" and b.number in outputs]
    return [
        (given, expected)
        for given, expected in itertools.pairwise(blocks)
        if given.kind == "input" and expected.kind == "output"
    ]


def _text(block: _Block) -> str:
    """A block's text, cut where explanatory prose starts (a sentence after a blank line, or
    one that ends like a sentence), without blank edge lines."""
    lines: list[str] = []
    for line in block.lines:
        sentence = len(re.findall(r"[A-Za-z]{2,}", line)) >= 5 and _PROSE.search(line)
        if sentence and (not lines or not lines[-1] or line.rstrip().endswith((".", ":"))):
            break
        lines.append(line.rstrip())
    return "\n".join(lines).strip("\n")


def _as_lines(text: str) -> str:
    """Text as a program reads or writes it: newline-terminated unless empty."""
    return text + "\n" if text else ""


def _literal(text: str) -> Any:
    """A JSON value (``true``, ``null``) or, failing that, a Python literal."""
    text = text.strip().rstrip(";")
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return ast.literal_eval(text)


def _split_top(text: str) -> list[str]:
    """``text`` split at commas that are outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            quote = "" if char == quote and text[i - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [part for part in parts if part.strip()]


def _arguments(text: str, params: list[str]) -> list[Any]:
    """LeetCode ``a = 1, b = [2]`` (or unnamed ``1, [2]``) as arguments in signature order."""
    named: dict[str, Any] = {}
    values: list[Any] = []
    for part in _split_top(" ".join(text.split("\n"))):
        match = re.match(r"^\s*([A-Za-z_]\w*)\s*=(?!=)\s*(.*)$", part, re.S)
        if match:
            named[match[1]] = _literal(match[2])
        else:
            values.append(_literal(part))
    if named and values:
        raise ValueError("mixed named and unnamed arguments")
    if named and set(named) <= set(params):
        return [named[name] for name in params if name in named]
    return list(named.values()) or values


_ARROW = r"(?:==>|=>|-->|->|→|===|==|\breturns?\b|\bshould (?:return|equal|be)\b)"
_ASSERT_CALLS = {"assert_equals", "assertEqual", "assertEquals", "assert_equal"}


def _call_lines(statement: str, fn_name: str) -> list[TestCase]:
    """Codewars-style examples: ``f(args) == value`` (or ``=>``, ``returns``...) and
    ``Test.assert_equals(f(args), value)``, one per line."""
    arrow = re.compile(
        rf"(?<![\w.])({re.escape(fn_name)}\s*\(.*\))\s*(?:#|//)?\s*{_ARROW}\s*(.+?)[;.,]?$"
    )
    tests = []
    for raw in statement.splitlines():
        line = raw.replace("`", "").strip().removeprefix(">>>").strip()
        if fn_name not in line:
            continue
        try:
            found = _assert_call(line, fn_name)
            match = arrow.search(line) if found is None else None
            if match:
                found = _call_args(match[1], fn_name), _literal(match[2])
        except (ValueError, SyntaxError):
            continue
        if found is not None:
            tests.append(TestCase.call(*found))
    return tests


def _assert_call(line: str, fn_name: str) -> tuple[list[Any], Any] | None:
    """``Test.assert_equals(f(1), 2)`` as (args, expected), or None for other lines."""
    try:
        node = ast.parse(line, mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Call) and len(node.args) >= 2):
        return None
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name not in _ASSERT_CALLS:
        return None
    return _call_args(ast.unparse(node.args[0]), fn_name), ast.literal_eval(node.args[1])


def _call_args(call: str, fn_name: str) -> list[Any]:
    node = ast.parse(call.strip(), mode="eval").body
    if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == fn_name):
        raise ValueError(f"not a call of {fn_name}")
    if node.keywords:
        raise ValueError("keyword arguments")
    return [ast.literal_eval(arg) for arg in node.args]
