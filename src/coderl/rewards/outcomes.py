"""CodeRL's outcome classes: which verdicts a critic tells apart (and trains on).

Kept apart from the critic module (torch) so that data tools and the CLI label programs
without importing torch.
"""

from __future__ import annotations

from coderl.errors import CoderlError
from coderl.execution.types import Verdict

OUTCOME_CLASSES: dict[int, tuple[str, ...]] = {
    4: ("compile_error", "runtime_error", "wrong_answer", "passed"),
    2: ("not_passed", "passed"),
}
"""Class names by number of classes; ``passed`` is always the last class."""

_FOUR_WAY: dict[str, int] = {
    Verdict.COMPILE_ERROR.value: 0,
    Verdict.RUNTIME_ERROR.value: 1,
    Verdict.TIMEOUT.value: 1,
    Verdict.MEMORY_LIMIT.value: 1,
    Verdict.WRONG_ANSWER.value: 2,
    Verdict.PASSED.value: 3,
}


def outcome_class(verdict: str, num_classes: int) -> int | None:
    """The class index of a verdict; None for ``infra_error`` (the judge's fault, no label)."""
    verdict = Verdict(verdict).value
    if verdict == Verdict.INFRA_ERROR.value:
        return None
    if num_classes == 4:
        return _FOUR_WAY[verdict]
    if num_classes == 2:
        return int(verdict == Verdict.PASSED.value)
    raise CoderlError(f"num_classes must be 2 or 4, not {num_classes}")


def passed_class(num_classes: int) -> int:
    return num_classes - 1
