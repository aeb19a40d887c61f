"""The shortest problems of a set, by tokens of prompt + reference solution.

CPU-sized runs (SFT, RL and evaluation of a small model on XLCoST translation) need the pairs
that fit a token budget; a ``[START:END]`` slice takes whatever comes first, and SFT's
``max_seq_len`` cuts the prompt of a long pair instead of leaving it out. Selecting by length
once and writing the subset out (`coderl problems SPEC --tokenizer MODEL --shortest N --out
FILE`) gives every stage the same problems.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from coderl.problems.prompts import build_prompt
from coderl.problems.types import Problem


@dataclass(frozen=True)
class Subset:
    """The problems kept (shortest first) and the ids left out with the reason."""

    problems: tuple[Problem, ...]
    too_long: tuple[str, ...]
    without_solutions: tuple[str, ...]
    beyond_count: tuple[str, ...]


def problem_length(problem: Problem, count_tokens: Callable[[str], int], style: str | None) -> int:
    """Tokens of the problem's prompt (in ``style``) plus those of its first reference."""
    return count_tokens(build_prompt(problem, style)) + count_tokens(problem.solutions[0])


def shortest_problems(
    problems: Sequence[Problem],
    count_tokens: Callable[[str], int],
    style: str | None = None,
    count: int | None = None,
    max_tokens: int | None = None,
) -> Subset:
    """The problems with a reference whose prompt + reference take at most ``max_tokens``
    tokens (None: any), shortest first (ties keep the set's order), at most ``count`` of
    them (None: all)."""
    if count is not None and count < 1:
        raise ValueError(f"count = {count}: use 1 or more, or None")
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"max_tokens = {max_tokens}: use 1 or more, or None")
    without = tuple(p.id for p in problems if not p.solutions)
    sized = [(problem_length(p, count_tokens, style), p) for p in problems if p.solutions]
    fitting = [(n, p) for n, p in sized if max_tokens is None or n <= max_tokens]
    too_long = tuple(p.id for n, p in sized if max_tokens is not None and n > max_tokens)
    ordered = [p for _, p in sorted(fitting, key=lambda item: item[0])]  # stable: ties in order
    kept = ordered if count is None else ordered[:count]
    return Subset(
        problems=tuple(kept),
        too_long=too_long,
        without_solutions=without,
        beyond_count=tuple(p.id for p in ordered[len(kept) :]),
    )
