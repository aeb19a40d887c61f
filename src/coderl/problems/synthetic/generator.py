"""Generating the splits: seeded, prefix-stable, and disjoint in combinations.

Problem ``i`` of a split depends only on (seed, split, i), through its own ``random.Random``,
so a smaller ``n`` gives a prefix of a larger one and slices are stable. Which split a
combination (the solution's body, independent of function name and I/O form) belongs to is a
hash of that body, the same for every seed: the hash's lowest 20% are test combinations, the
next 20% validation combinations and the rest train, so no test or validation combination is
ever in another split of any seed.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from coderl.problems.synthetic.families import FAMILIES
from coderl.problems.synthetic.render import draw_cases, render
from coderl.problems.types import Problem

DEFAULT_SIZES = {"train": 2000, "validation": 200, "test": 200}
TEST_FRACTION = 0.2  # of the combinations, per family and level
# The next slice of the hash: as wide as test's, so that even the rarest cells (single string
# operations: 74 combinations) keep several validation combinations.
VALIDATION_FRACTION = 0.2
LEVEL_WEIGHTS = {1: 0.3, 2: 0.4, 3: 0.3}
_MAX_TRIES = 2000  # draws per problem; the rarest (family, level, split) needs about 20


@dataclass(frozen=True)
class SyntheticConfig:
    """Generator options: ``seed``, ``n`` (problems in the split; its default size when None)
    and ``stdio`` (the fraction of problems in the stdin/stdout form)."""

    seed: int = 0
    n: int | None = None
    stdio: float = 0.25

    def __post_init__(self) -> None:
        if self.n is not None and self.n < 0:
            raise ValueError(f"n must be >= 0, got {self.n}")
        if not 0.0 <= self.stdio <= 1.0:
            raise ValueError(f"stdio must be a fraction in [0, 1], got {self.stdio}")


def split_of(key: str) -> str:
    """The split a combination (a ``Program.key``) belongs to: test, validation or train."""
    digest = hashlib.sha256(key.encode()).digest()
    position = int.from_bytes(digest[:8], "big")  # compared exactly, as integers
    if position < TEST_FRACTION * 2**64:
        return "test"
    return "validation" if position < (TEST_FRACTION + VALIDATION_FRACTION) * 2**64 else "train"


def is_test_combination(key: str) -> bool:
    """Whether a combination (a ``Program.key``) belongs to the test split."""
    return split_of(key) == "test"


def generate(split: str, config: SyntheticConfig = SyntheticConfig()) -> tuple[Problem, ...]:
    """The problems of ``split`` ("train", "validation" or "test"), ids
    ``synthetic/<split>/<index>``."""
    if split not in DEFAULT_SIZES:
        raise ValueError(f"unknown synthetic split {split!r}; valid: {', '.join(DEFAULT_SIZES)}")
    n = DEFAULT_SIZES[split] if config.n is None else config.n
    width = max(4, len(str(n - 1)))
    return tuple(_problem(split, i, f"synthetic/{split}/{i:0{width}d}", config) for i in range(n))


def _problem(split: str, index: int, pid: str, config: SyntheticConfig) -> Problem:
    rng = random.Random(f"coderl-synthetic/{config.seed}/{split}/{index}")
    family = rng.choice(sorted(FAMILIES))
    level = rng.choices(list(LEVEL_WEIGHTS), weights=list(LEVEL_WEIGHTS.values()))[0]
    stdio = rng.random() < config.stdio
    for _ in range(_MAX_TRIES):
        program = FAMILIES[family](rng, level)
        owner = split_of(program.key)
        if (owner == "test") != (split == "test"):
            continue
        # Cases are drawn for a validation or train program even when it is then rejected:
        # the rng advances as it did before the validation split existed, so every train
        # problem whose program is not a validation combination stayed as it was.
        cases = draw_cases(program, rng)
        if owner == split and cases is not None:
            return render(program, pid, split, stdio, cases)
    raise RuntimeError(f"{pid}: no {family} level-{level} program in {_MAX_TRIES} draws")
