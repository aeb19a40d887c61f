"""The reward protocol and the registry that configs pick rewards from.

A reward turns (problem, program, judgement) into a float, or into ``None`` when the judge
could not decide (``infra_error``): such a sample leaves the update and is counted, it is
never scored as the program's failure. Rewards are plain callables, so a user's function of
the same signature is a reward too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from coderl.execution.types import Judgement, Verdict
from coderl.problems.types import Problem


class Reward(Protocol):
    """``reward(problem, program, judgement) -> float | None`` (None: leave the batch)."""

    def __call__(self, problem: Problem, program: str, judgement: Judgement) -> float | None: ...


_REGISTRY: dict[str, Callable[..., Reward]] = {}


def register_reward(name: str) -> Callable[[Callable[..., Reward]], Callable[..., Reward]]:
    """Class decorator: make a reward buildable by ``name`` from configs."""

    def add(factory: Callable[..., Reward]) -> Callable[..., Reward]:
        if name in _REGISTRY:
            raise ValueError(f"reward {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return add


def reward_names() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def build_reward(name: str, **options: Any) -> Reward:
    """The reward registered as ``name``; an unknown name lists the valid ones."""
    from coderl.errors import ConfigError

    if name not in _REGISTRY:
        raise ConfigError(f"unknown reward {name!r}; valid: {', '.join(reward_names())}")
    return _REGISTRY[name](**options)


def undecided(judgement: Judgement) -> bool:
    """The judge's own fault: no reward can be given."""
    return judgement.verdict is Verdict.INFRA_ERROR
