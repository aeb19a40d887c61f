"""Named per-stage timers: where a training step's time goes (``time/forward``, ...)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Timers:
    """Accumulates wall-clock seconds per stage name until `pop` reads and resets them.

    >>> timers = Timers()
    >>> with timers("forward"):
    ...     pass
    >>> sorted(timers.pop())
    ['time/forward']
    """

    def __init__(self) -> None:
        self._seconds: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self._seconds[stage] += time.perf_counter() - start

    def pop(self) -> dict[str, float]:
        """Seconds per stage since the last pop, as ``{"time/STAGE": seconds}``."""
        out = {f"time/{stage}": seconds for stage, seconds in self._seconds.items()}
        self._seconds.clear()
        return out
