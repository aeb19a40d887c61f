"""Code completion tasks: a reference program with its last N tokens masked (PPOCoder's
completion task, which masks the last 25 tokens of each program).

Tokens are identifiers, numbers and single punctuation characters (``\\w+`` or one non-space
character); the prefix keeps the reference's text exactly up to the first masked token, so
the model continues real code, and the masked text is the problem's solution. The masked
problem is a completion problem (``code_prefix``): the program judged is prefix + completion.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from coderl.problems.types import Problem

TOKEN = re.compile(r"\w+|[^\w\s]")
DEFAULT_MASKED_TOKENS = 25


@dataclass(frozen=True)
class Masked:
    """A program split before its last ``n`` tokens."""

    prefix: str
    target: str


def code_tokens(code: str) -> list[str]:
    return TOKEN.findall(code)


def mask_last_tokens(code: str, n: int) -> Masked:
    """``code`` split before its ``n``-th last token; a program of ``n`` tokens or fewer
    cannot be masked (nothing would be left to continue)."""
    if n < 1:
        raise ValueError(f"mask_last_tokens: n must be >= 1, got {n}")
    starts = [match.start() for match in TOKEN.finditer(code)]
    if len(starts) <= n:
        raise ValueError(f"the program has {len(starts)} tokens; masking {n} leaves none")
    cut = starts[-n]
    return Masked(code[:cut], code[cut:].rstrip())


def completion_problems(
    problems: Iterable[Problem], n: int = DEFAULT_MASKED_TOKENS
) -> tuple[list[Problem], list[str]]:
    """One completion problem per problem whose reference program (its first solution, after
    its ``code_prefix`` unless the solution already starts with it, as HumanEval's does) is
    longer than ``n`` tokens, and the ids of those left out."""
    masked: list[Problem] = []
    left_out: list[str] = []
    for problem in problems:
        solution = problem.solutions[0] if problem.solutions else ""
        prefix = "" if solution.startswith(problem.code_prefix) else problem.code_prefix
        reference = prefix + solution
        if len(code_tokens(reference)) <= n:
            left_out.append(problem.id)
            continue
        split = mask_last_tokens(reference, n)
        masked.append(
            dataclasses.replace(
                problem,
                source=f"{problem.source}-completion",
                code_prefix=split.prefix,
                solutions=(split.target,),
                metadata={**problem.metadata, "masked_tokens": n},
            )
        )
    return masked, left_out
