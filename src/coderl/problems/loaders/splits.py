"""Choosing a split (``@SPLIT`` in a spec) the same way in every loader."""

from __future__ import annotations

import re
from pathlib import Path

from coderl.errors import DataError
from coderl.problems.types import Problem

KNOWN_SPLITS = ("train", "test", "valid", "validation", "prompt")
_SPLIT_PREFIX = re.compile(r"^(train|test|valid|validation|prompt)(?![a-z])", re.IGNORECASE)


def split_from_name(path: Path) -> str | None:
    """The split a file or folder is named after (``test.jsonl``, ``train-00000-of-1.parquet``,
    ``APPS/test``), or None: benchmarks that ship one file per split carry no split field."""
    match = _SPLIT_PREFIX.match(path.name)
    return match.group(1).lower() if match else None


def select_split(problems: list[Problem], split: str | None, where: str) -> tuple[Problem, ...]:
    """The problems of ``split`` (all of them when None); an empty pick is an error that lists
    the splits there are, since a typo would otherwise look like an empty benchmark."""
    if split is None:
        return tuple(problems)
    chosen = tuple(p for p in problems if p.split == split)
    if not chosen and problems:
        present = sorted({p.split for p in problems if p.split is not None})
        raise DataError(
            f"{where}: no problems in split {split!r}; splits present: "
            f"{', '.join(present) or 'none (this data has no split labels)'}"
        )
    return chosen
