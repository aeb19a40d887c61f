"""The ``synthetic`` loader: the built-in testbed, generated on the fly (no files).

Spec: ``synthetic[:OPTIONS][@SPLIT][[START:END]]`` where OPTIONS are comma-separated
``key=value`` pairs: ``seed`` (int, default 0), ``n`` (problems in the split; default 2000 for
train, 200 for validation and test) and ``stdio`` (fraction of stdin/stdout problems, default
0.25). SPLIT is ``train``, ``validation`` (for tuning) or ``test`` (for reporting; the default:
evaluating never touches training problems by accident). E.g. ``synthetic@train[0:500]``,
``synthetic:seed=1,n=5000@train``, ``synthetic:seed=1@validation``. See docs/testbed.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coderl.errors import DataError
from coderl.problems.synthetic import DEFAULT_SIZES, SyntheticConfig, generate
from coderl.problems.types import ProblemSet

DEFAULT_SPLIT = "test"
_OPTIONS: dict[str, Callable[[str], Any]] = {"seed": int, "n": int, "stdio": float}


def parse_options(path: str | None) -> SyntheticConfig:
    """``"seed=1,n=2000"`` -> ``SyntheticConfig(seed=1, n=2000)``; None or "" -> defaults."""
    values: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in (path or "").split(","))):
        key, sep, raw = (s.strip() for s in item.partition("="))
        if not sep or key not in _OPTIONS:
            raise DataError(
                f"synthetic: bad option {item!r}; expected key=value with key one of "
                f"{', '.join(_OPTIONS)}, e.g. synthetic:seed=1,n=500@train"
            )
        try:
            values[key] = _OPTIONS[key](raw)
        except ValueError:
            kind = _OPTIONS[key].__name__
            raise DataError(f"synthetic: option {key}={raw!r} is not a valid {kind}") from None
    try:
        return SyntheticConfig(**values)
    except ValueError as err:
        raise DataError(f"synthetic: {err}") from None


def load(path: str | None, split: str | None) -> ProblemSet:
    """The problems of ``split`` (default ``test``) generated with the options in ``path``."""
    split = split or DEFAULT_SPLIT
    if split not in DEFAULT_SIZES:
        raise DataError(f"synthetic: unknown split {split!r}; valid: {', '.join(DEFAULT_SIZES)}")
    spec = f"synthetic{f':{path}' if path else ''}@{split}"
    return ProblemSet(spec=spec, problems=generate(split, parse_options(path)))
