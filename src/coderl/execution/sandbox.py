"""`run_sandboxed`: run any argv (a compiled program, a compiler) under the judge's isolation.

Each call starts a one-shot zygote (`coderl.execution.zygote`: a fresh interpreter, so no
thread of the caller ever forks) that applies exactly the layers the judge's workers apply:
the minimal read-only view, a uid of its own, empty network and IPC namespaces, the memory,
pids and CPU cgroups, rlimits, a scrubbed environment, capped stdout/stderr, a fresh working
directory (or ``cwd``, bind-mounted read-write at ``SANDBOX_CWD`` and handed over to the
sandbox uid). Afterwards every process of the run is killed, whatever it did (forked,
setsid, ignored SIGTERM). The judge itself keeps its zygotes warm: starting one costs tens of
milliseconds, which suits one-off runs (`compiled.compiles`), not a training loop.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from coderl.execution import isolation, slots
from coderl.execution.limits import Limits
from coderl.execution.session import SandboxResult, run_exec
from coderl.execution.zygote import Zygote

__all__ = ["SANDBOX_CWD", "SandboxResult", "one_shot_zygote", "run_sandboxed"]

SANDBOX_CWD = "/sandbox"
"""Where a given ``cwd`` appears inside the sandbox's view."""


def run_sandboxed(
    argv: Sequence[str],
    stdin: bytes,
    limits: Limits,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> SandboxResult:
    """Run ``argv`` isolated; never raises for anything the program does. With ``cwd`` the
    program runs in that host directory (seen as `SANDBOX_CWD`), which it may change."""
    binds: tuple[tuple[str, str], ...] = ()
    if cwd is not None:
        binds = ((str(Path(cwd).resolve()), SANDBOX_CWD),)
    with one_shot_zygote(limits, binds=binds) as zygote:
        if cwd is not None and zygote.uid is not None:
            _hand_over(str(cwd), zygote.uid)
        return run_exec(
            zygote,
            list(argv),
            stdin,
            limits,
            env=dict(env or {}),
            cwd=_where(cwd, zygote),
            max_processes=limits.max_processes,
        )


def _where(cwd: Path | None, zygote: Zygote) -> str | None:
    if cwd is None:
        return None
    return SANDBOX_CWD if zygote.features.get("view") else str(Path(cwd).resolve())


@contextlib.contextmanager
def one_shot_zygote(
    limits: Limits,
    binds: tuple[tuple[str, str], ...] = (),
    max_processes: int | None = None,
    visible: tuple[str, ...] = (),
) -> Iterator[Zygote]:
    """A zygote of its own (uid, cgroups, view; ``visible``: host paths it may read) for a
    few runs, closed on exit."""
    with _slot() as slot:
        uid = isolation.sandbox_uid(os.getpid(), slot) if isolation.PRIVILEGED else None
        zygote = Zygote(
            uid, limits, 1 << 20, binds=binds, max_processes=max_processes, visible=visible
        )
        try:
            yield zygote
        finally:
            zygote.close()


@contextlib.contextmanager
def _slot() -> Iterator[int]:
    slot = slots.acquire()
    try:
        yield slot
    finally:
        slots.release(slot)


def _hand_over(path: str, uid: int) -> None:
    """The program may read and write its own directory: chown it all to the sandbox uid,
    never following a symlink (the caller's directory, walked without recursion)."""
    stack = [path]
    while stack:
        current = stack.pop()
        os.lchown(current, uid, uid)
        if os.path.isdir(current) and not os.path.islink(current):
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    else:
                        os.lchown(entry.path, uid, uid)
