"""Benchmark loaders, one module per format, found by name and imported only when used.

Each module exposes ``load(path: str | None, split: str | None) -> ProblemSet`` (or another
function, named after a colon: ``module:function``); the
``[START:END]`` slice of a spec is applied here, after loading, so loaders need not know it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from coderl.errors import DataError
from coderl.problems.spec import parse_spec
from coderl.problems.types import ProblemSet

Loader = Callable[[str | None, str | None], ProblemSet]

LOADERS: dict[str, str] = {
    "humaneval": "coderl.problems.loaders.humaneval",
    "mbpp": "coderl.problems.loaders.mbpp",
    "mbpp-sanitized": "coderl.problems.loaders.mbpp",  # layout is detected per row
    "apps": "coderl.problems.loaders.apps",
    "codecontests": "coderl.problems.loaders.codecontests",
    "jsonl": "coderl.problems.loaders.jsonl",
    "synthetic": "coderl.problems.loaders.synthetic",
    "xlcost": "coderl.problems.loaders.xlcost",
    "xlcost-reverse": "coderl.problems.loaders.xlcost:load_reverse",
}


def get_loader(name: str) -> Loader:
    """The ``load`` function registered under ``name``."""
    module_path = LOADERS.get(name)
    if module_path is None:
        raise DataError(f"unknown benchmark {name!r}; valid names: {', '.join(sorted(LOADERS))}")
    module, _, function = module_path.partition(":")
    return getattr(importlib.import_module(module), function or "load")


def load_problems(spec: str) -> ProblemSet:
    """Load the problems a spec names, e.g. ``mbpp:data/mbpp.jsonl@test[0:50]``."""
    parsed = parse_spec(spec)
    loaded = get_loader(parsed.name)(parsed.path, parsed.split)
    return ProblemSet(spec=spec, problems=parsed.select(loaded.problems), skipped=loaded.skipped)
