"""Fixtures for the judge's tests: one warm judge per module, with short limits."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from coderl.execution import isolation
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig, Limits

FAST_LIMITS = Limits(cpu_time_s=1.0, wall_time_s=3.0, memory_mb=512, max_processes=16)


@pytest.fixture(scope="module")
def judge() -> Iterator[Judge]:
    with Judge(JudgeConfig(limits=FAST_LIMITS, workers=2)) as running:
        yield running


def leftover_processes() -> list[int]:
    """Live processes of this test process's sandbox uids (zombies included)."""
    return isolation.processes_of(isolation.owner_uids(os.getpid()))
