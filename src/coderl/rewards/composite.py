"""`CompositeReward`: a weighted sum of rewards (PPOCoder's compile + syntax + data flow)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from coderl.execution.types import Judgement
from coderl.problems.types import Problem
from coderl.rewards.base import Reward, build_reward, register_reward


@dataclass(frozen=True)
class CompositeReward:
    """``sum(w_i * r_i)``; ``None`` when any part is None (one undecided part makes the whole
    undecided: a partial sum would score the sample on a different scale)."""

    parts: tuple[tuple[float, Reward], ...]

    @property
    def needs_tests(self) -> bool:
        """Whether a part reads the unit tests' verdicts (rewards say so by a ``needs_tests``
        attribute; one without it is assumed to)."""
        return any(getattr(reward, "needs_tests", True) for _, reward in self.parts)

    def __call__(self, problem: Problem, program: str, judgement: Judgement) -> float | None:
        total = 0.0
        for weight, reward in self.parts:
            value = reward(problem, program, judgement)
            if value is None:
                return None
            total += weight * value
        return total


# PPOCoder's task score: compile (+1/-1) + syntax match + data-flow match, in [-1, 3]
PPOCODER_PARTS: tuple[dict[str, Any], ...] = (
    {"name": "compiler", "weight": 1.0},
    {"name": "syntax_match", "weight": 1.0},
    {"name": "dataflow_match", "weight": 1.0},
)


@register_reward("composite")
def composite(parts: Sequence[dict[str, Any]] | None = None) -> CompositeReward:
    """From config: ``parts: [{name: unit_test, weight: 1.0}, {name: ..., options...}]``;
    without ``parts``, PPOCoder's compile + syntax match + data-flow match."""
    if parts is None:
        parts = PPOCODER_PARTS
    built = []
    for part in parts:
        options = dict(part)
        name = options.pop("name")
        weight = float(options.pop("weight", 1.0))
        built.append((weight, build_reward(name, **options)))
    return CompositeReward(tuple(built))
