"""Sandbox slots of this process: each live worker or one-shot sandbox holds one.

A slot names a sandbox uid (`isolation.sandbox_uid`) and its cgroups, so two holders must
never share one: their processes would count against one RLIMIT_NPROC and their CPU and
memory against one cgroup. Two `Judge`s alive in one process (a test's and a helper's) draw
from this one pool. Not imported by the zygote (it would bring in `threading`).
"""

from __future__ import annotations

import threading

from coderl.execution.isolation import SLOTS_PER_OWNER

_free = list(range(SLOTS_PER_OWNER - 1, -1, -1))  # pop() takes the lowest
_lock = threading.Lock()


def acquire() -> int:
    """A free slot of this process; RuntimeError when all are taken."""
    with _lock:
        if not _free:
            raise RuntimeError(f"more than {SLOTS_PER_OWNER} live sandboxes in one process")
        return _free.pop()


def release(slot: int) -> None:
    with _lock:
        if slot not in _free:
            _free.append(slot)
            _free.sort(reverse=True)
