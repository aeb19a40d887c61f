"""Masking the last N tokens of reference programs (PPOCoder's completion task)."""

from __future__ import annotations

import pytest

from coderl.problems.completion import code_tokens, completion_problems, mask_last_tokens
from coderl.problems.types import Problem

CODE = "def add(a, b):\n    total = a + b\n    return total\n"


def test_mask_keeps_the_prefix_text_and_masks_exactly_n_tokens() -> None:
    masked = mask_last_tokens(CODE, 2)
    assert masked.prefix == "def add(a, b):\n    total = a + b\n    "
    assert masked.target == "return total"
    masked = mask_last_tokens(CODE, 4)
    assert masked.prefix == "def add(a, b):\n    total = a "
    assert code_tokens(masked.target) == ["+", "b", "return", "total"]
    assert masked.prefix + masked.target == CODE.rstrip()


def test_too_short_programs_are_left_out() -> None:
    long = Problem(id="long", source="mbpp", statement="", solutions=(CODE,))
    short = Problem(id="short", source="mbpp", statement="", solutions=("x = 1\n",))
    masked, left_out = completion_problems([long, short], n=5)
    assert left_out == ["short"]
    (problem,) = masked
    assert problem.source == "mbpp-completion"
    assert problem.code_prefix + problem.solutions[0] == CODE.rstrip()
    assert len(code_tokens(problem.solutions[0])) == 5
    with pytest.raises(ValueError, match="masking 99 leaves none"):
        mask_last_tokens(CODE, 99)


def test_humaneval_style_solutions_are_not_prefixed_twice() -> None:
    prompt = 'def inc(x):\n    """Add one."""\n'
    problem = Problem(
        id="h",
        source="humaneval",
        statement="",
        code_prefix=prompt,
        solutions=(prompt + "    return x + 1\n",),
    )
    (masked,), _ = completion_problems([problem], n=2)
    assert masked.code_prefix == prompt + "    return x "
    assert masked.solutions == ("+ 1",)
