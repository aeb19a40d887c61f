"""The problem spec of the command line: ``NAME[:PATH][@SPLIT][[START:END]]``.

One parser, so that every subcommand (and every config file) names a benchmark the same way,
e.g. ``humaneval``, ``mbpp:data/mbpp.jsonl@test``, ``apps:data/APPS/test[0:100]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from coderl.errors import DataError

GRAMMAR = "NAME[:PATH][@SPLIT][[START:END]]"

_SLICE = re.compile(r"\[\s*(-?\d*)\s*:\s*(-?\d*)\s*\]$")
_SPLIT = re.compile(r"@([A-Za-z0-9_.-]+)$")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*$")


@dataclass(frozen=True)
class ProblemSpec:
    """A parsed problem spec; ``start``/``end`` follow Python slice semantics."""

    name: str
    path: str | None = None
    split: str | None = None
    start: int | None = None
    end: int | None = None

    def select(self, items: tuple) -> tuple:
        """Apply the ``[START:END]`` slice (all items when the spec has none)."""
        return items[self.start : self.end]


def parse_spec(text: str) -> ProblemSpec:
    """Parse ``NAME[:PATH][@SPLIT][[START:END]]``, from the right, so a PATH may hold ``:``."""
    rest = text.strip()
    start = end = None
    sliced = _SLICE.search(rest)
    if sliced:
        start = int(sliced.group(1)) if sliced.group(1) else None
        end = int(sliced.group(2)) if sliced.group(2) else None
        rest = rest[: sliced.start()]
    elif "[" in rest:
        raise DataError(f"bad slice in problem spec {text!r}: expected [START:END], e.g. [0:100]")
    split = None
    at_split = _SPLIT.search(rest)
    if at_split:
        split = at_split.group(1)
        rest = rest[: at_split.start()]
    name, _, path = rest.partition(":")
    if not _NAME.match(name):
        raise DataError(
            f"bad problem spec {text!r}: expected {GRAMMAR}, "
            "e.g. humaneval or mbpp:data/mbpp.jsonl@test"
        )
    if ":" in rest and not path:
        raise DataError(f"bad problem spec {text!r}: empty PATH after {name + ':'!r}")
    return ProblemSpec(name=name.lower(), path=path or None, split=split, start=start, end=end)
