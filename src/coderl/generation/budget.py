"""The sampling budget: programs sampled and tokens generated, so strategies compare at equal cost.

Critic sampling spends its tokens on first samples, refined continuations and repairs; plain
sampling then gets exactly the same number of generated tokens per problem (`sample_to_budget`).
Only generated tokens count: a refined program's kept prefix was generated once, by the program
it was cut from. The critic's forward passes and the example-test runs are not counted (they
generate nothing); docs/critic_sampling.md says so next to the figures.

A sample depends only on (model, prompt, seed, index, occurrence) and each step's draw only on
the step, so a sample cut to its first t tokens is exactly the sample that
``max_new_tokens = t`` would have produced: truncating the last program is not an
approximation of sampling under a cap, it is that sample.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coderl.errors import DataError

BUDGET_SUFFIX = ".budget.json"


@dataclass(frozen=True)
class Budget:
    """What a strategy spent: programs sampled and tokens generated."""

    programs: int = 0
    tokens: int = 0

    def __add__(self, other: Budget) -> Budget:
        return Budget(self.programs + other.programs, self.tokens + other.tokens)


@dataclass(frozen=True)
class BudgetFile:
    """A samples file's budget: the total, each problem's share, the strategy, and ``k`` (the
    samples each problem started from, which names its n@k metrics: ``1@k``)."""

    strategy: str
    k: int
    per_problem: dict[str, Budget]

    @property
    def total(self) -> Budget:
        return sum(self.per_problem.values(), Budget())

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "k": self.k,
            **dataclasses.asdict(self.total),
            "per_problem": {pid: dataclasses.asdict(b) for pid, b in self.per_problem.items()},
        }


def budget_path(samples_path: str | Path) -> Path:
    """Where the budget of a samples file lives: ``OUT.jsonl.budget.json`` beside it."""
    path = Path(samples_path)
    return path.with_name(path.name + BUDGET_SUFFIX)


def write_budget(samples_path: str | Path, budget: BudgetFile) -> Path:
    from coderl.files import write_atomic

    path = budget_path(samples_path)
    write_atomic(path, json.dumps(budget.to_dict(), indent=1) + "\n")
    return path


def read_budget(path: str | Path) -> BudgetFile:
    """A budget file; a bad one is an error naming it."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"budget file not found: {path} (written by `coderl generate` beside OUT)")
    try:
        data = json.loads(path.read_text())
        return BudgetFile(
            strategy=str(data["strategy"]),
            k=int(data["k"]),
            per_problem={
                str(pid): Budget(int(b["programs"]), int(b["tokens"]))
                for pid, b in data["per_problem"].items()
            },
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as err:
        raise DataError(f"{path}: not a coderl budget file ({err!r})") from None


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` items over ``parts`` takers as evenly as possible, the first ones taking the
    remainder: refine's N / |P| continuations per passing program, best program first."""
    if parts < 1:
        raise ValueError(f"split over {parts} parts: need at least one")
    if total < 0:
        raise ValueError(f"cannot split {total} items")
    base, extra = divmod(total, parts)
    return [base + (i < extra) for i in range(parts)]


def fit_to_budget(lengths: Sequence[int], remaining: int) -> list[int]:
    """How many tokens of each sample, in order, fit in ``remaining``: whole samples while
    they fit, the first one that does not cut to what is left, none after it."""
    kept = []
    for length in lengths:
        take = min(length, remaining)
        kept.append(take)
        remaining -= take
    return kept


def samples_for(remaining: int, mean_tokens: float) -> int:
    """How many samples to draw next for ``remaining`` tokens, given the mean length so far:
    enough to use them up on average (at least one)."""
    if remaining <= 0:
        return 0
    return max(1, math.ceil(remaining / max(mean_tokens, 1.0)))
