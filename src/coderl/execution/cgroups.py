"""A program's total memory, process count and CPU time: one cgroup (v1) per warm worker.

The zygote joins the worker's cgroups before it forks anything, so every child (and all it
starts, and the tmpfs pages it writes) is counted without a per-program cost: children
inherit their cgroup at fork. A zygote runs one program at a time, so the cgroup's totals are
that program's (plus the idle zygote's own pages, added to the limit):

- ``memory``: resident memory plus tmpfs files together, across every process, bounded by
  ``memory_mb`` (RLIMIT_AS bounds each process alone); the kernel's OOM killer ends a program
  over it (children have ``oom_score_adj`` 1000, so the killer picks the program, never the
  idle zygote; the scratch tmpfs is capped at ``memory_mb``, so what a dead program left
  never fills the cgroup), and the count of such kills says ``memory_limit``;
- ``pids``: processes and threads, ``max_processes`` (besides RLIMIT_NPROC per uid);
- ``cpuacct``: CPU time of every process of the program, forked children included.

Where the controllers are not mounted or not writable (no root, cgroup v2 only, a
container), `create` returns None and the judge falls back to rlimits, a size-capped scratch
tmpfs and summing CPU over the reaped tree (docs/judge.md, "Fallbacks").
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import NamedTuple

ROOT = "/sys/fs/cgroup"
CONTROLLERS = ("memory", "pids", "cpuacct")
PREFIX = "coderl-"
ZYGOTE_SLACK_MB = 64  # the zygote's own pages, besides the program's memory_mb


class Cgroup(NamedTuple):
    """The directories of one worker's cgroups (one per controller)."""

    name: str

    def path(self, controller: str, file: str = "") -> str:
        return f"{ROOT}/{controller}/{self.name}" + (f"/{file}" if file else "")


def create(uid: int, memory_mb: int, max_processes: int) -> Cgroup | None:
    """The cgroups of sandbox ``uid``'s worker, with their limits; None where unavailable."""
    group = Cgroup(f"{PREFIX}{uid}")
    try:
        for controller in CONTROLLERS:
            os.makedirs(group.path(controller), exist_ok=True)
        limit = (memory_mb + ZYGOTE_SLACK_MB) << 20
        _write(group.path("memory", "memory.limit_in_bytes"), str(limit))
        _write(group.path("pids", "pids.max"), str(max_processes + 1))
    except OSError:
        remove(group)
        return None
    return group


def join(group: Cgroup) -> None:
    """Move the calling process (the zygote, before it forks) into the cgroups."""
    for controller in CONTROLLERS:
        _write(group.path(controller, "cgroup.procs"), str(os.getpid()))


def remove(group: Cgroup) -> bool:
    """Remove the cgroups once their processes are gone (retried briefly while they exit)."""
    for _ in range(200):
        left = [c for c in CONTROLLERS if os.path.isdir(group.path(c))]
        for controller in left:
            with contextlib.suppress(FileNotFoundError, OSError):
                os.rmdir(group.path(controller))
        if not any(os.path.isdir(group.path(c)) for c in CONTROLLERS):
            return True
        time.sleep(0.01)
    return False


def leftovers(uids: range | None = None) -> list[str]:
    """The coderl cgroups on this machine, of the sandbox ``uids`` only if given (leaks)."""
    found = []
    for controller in CONTROLLERS:
        with contextlib.suppress(FileNotFoundError):
            found += [f"{controller}/{n}" for n in os.listdir(f"{ROOT}/{controller}")]
    names = [path for path in found if path.split("/", 1)[1].startswith(PREFIX)]
    if uids is None:
        return names
    return [path for path in names if int(path.rsplit("-", 1)[1]) in uids]


class Counters(NamedTuple):
    """Files of a cgroup kept open (they are out of reach after the zygote's pivot_root):
    each total is one pread, the memory limit one write."""

    cpu_fd: int  # cpuacct.usage: nanoseconds
    oom_fd: int  # memory.oom_control: has an "oom_kill N" line
    limit_fd: int  # memory.limit_in_bytes (write); -1 when opened read-only

    @classmethod
    def open(cls, group: Cgroup, writable: bool = False) -> Counters:
        flags = os.O_RDONLY | os.O_CLOEXEC
        return cls(
            os.open(group.path("cpuacct", "cpuacct.usage"), flags),
            os.open(group.path("memory", "memory.oom_control"), flags),
            os.open(group.path("memory", "memory.limit_in_bytes"), os.O_WRONLY | os.O_CLOEXEC)
            if writable
            else -1,
        )

    def cpu_seconds(self) -> float:
        return int(os.pread(self.cpu_fd, 64, 0)) / 1e9

    def oom_kills(self) -> int:
        for line in os.pread(self.oom_fd, 4096, 0).split(b"\n"):
            if line.startswith(b"oom_kill "):
                return int(line.split()[1])
        return 0

    def set_memory_mb(self, memory_mb: int) -> None:
        os.write(self.limit_fd, str((memory_mb + ZYGOTE_SLACK_MB) << 20).encode())

    def close(self) -> None:
        for fd in self:
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)


def _write(path: str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)
