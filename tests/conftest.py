"""Shared fixtures. Real data lives in ../shared/data beside the checkout; tests that need it
skip cleanly when it is absent (it is never copied into the repository)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(
    os.environ.get(
        "CODERL_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
)


@pytest.fixture
def shared_data() -> Path:
    """The folder ../shared/data, or skip the test when this machine has none."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA
