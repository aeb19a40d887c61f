"""The isolation layers, as small functions applied by a zygote (once) and its children.

Every program (Python or exec'd, through the pool or `sandbox.run_sandboxed`) runs in a
zygote's child. Each layer and what it defends is described in docs/judge.md. As root every
layer is on; as an unprivileged user the judge falls back to rlimits, its own session and
(where user namespaces are allowed) an empty network namespace: see `PRIVILEGED`. The
filesystem view is `view.py`, the cgroups `cgroups.py`, the cleanup `cleanup.py`.

The zygote calls several of these between forks, where every page Python touches costs a
page fault and often a copy (docs/judge.md, "Speed"): they use plain ``try``/``except`` and
``os`` calls rather than contextlib and pathlib.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from coderl.execution.cleanup import remove_tree

if TYPE_CHECKING:  # not imported at run time: the zygote stays lean (docs/judge.md, "Speed")
    from coderl.execution.limits import Limits

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNS = 0x00020000
_CLONE_NEWIPC = 0x08000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 1, 36, 38

PRIVILEGED = os.geteuid() == 0
"""Root: sandboxes run as their own uid (RLIMIT_NPROC counts them), in their own network, IPC
and mount namespaces (the view) and cgroups. Otherwise: the caller's uid, no process-count
limit, and a network namespace only where unprivileged user namespaces are allowed."""

UID_BASE = 1 << 20
SLOTS_PER_OWNER = 1024
SCRATCH_DIRS = ("/tmp",)
"""The view's only writable place (/var/tmp and /dev/shm point into it): emptied after
every run."""


def sandbox_uid(owner_pid: int, slot: int) -> int:
    """The uid of sandbox ``slot`` of the judge process ``owner_pid``: unique per live judge,
    so that judges running side by side never kill or count each other's processes."""
    if not 0 <= slot < SLOTS_PER_OWNER:
        raise ValueError(f"slot must be in [0, {SLOTS_PER_OWNER}), got {slot}")
    return UID_BASE + (owner_pid % (1 << 21)) * SLOTS_PER_OWNER + slot


def owner_uids(owner_pid: int) -> range:
    """All sandbox uids of one judge process (what leak checks look for)."""
    start = sandbox_uid(owner_pid, 0)
    return range(start, start + SLOTS_PER_OWNER)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl({option})")


def become_subreaper() -> None:
    """Orphans of everything we start (daemons, setsid'd grandchildren) re-parent to us, so we
    can kill and reap them: no process escapes, no zombie is left to init."""
    _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def die_with_parent() -> None:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def unshare_network() -> bool:
    """Move the calling (single-threaded) process into an empty network namespace: no
    interfaces but a loopback that is down, so no connection of any kind. False when the
    kernel refuses (unprivileged, user namespaces disabled)."""
    flags = _CLONE_NEWNET if PRIVILEGED else _CLONE_NEWUSER | _CLONE_NEWNET
    return _libc.unshare(flags) == 0


IPC_SYSCTLS = {
    "/proc/sys/kernel/shmmni": "0",
    "/proc/sys/kernel/msgmni": "0",
    "/proc/sys/kernel/sem": "0 0 0 0",
    "/proc/sys/fs/mqueue/queues_max": "0",
}
"""In the sandbox's IPC namespace no System V segment, queue or semaphore set and no POSIX
message queue can be made (POSIX shared memory and semaphores are files in /dev/shm, which
is emptied after every run)."""


def unshare_ipc() -> bool:
    """Root only: a new IPC namespace in which programs can create no IPC object, so none
    can outlive a run or carry data to the next program. False when not permitted."""
    if not PRIVILEGED or _libc.unshare(_CLONE_NEWIPC) != 0:
        return False
    for path, value in IPC_SYSCTLS.items():
        with contextlib.suppress(FileNotFoundError):
            fd = os.open(path, os.O_WRONLY)
            try:
                os.write(fd, value.encode())
            finally:
                os.close(fd)
    return True


def private_view(
    visible: Sequence[str], scratch_mb: int, rw_binds: Sequence[tuple[str, str]] = ()
) -> bool:
    """Root only: a private mount namespace whose root is the minimal read-only view of
    `coderl.execution.view` (``visible`` added read-only, ``rw_binds`` read-write, a
    ``scratch_mb`` MiB /tmp). False when not permitted; a view that fails half-way raises
    (the judge's fault)."""
    if not PRIVILEGED or _libc.unshare(_CLONE_NEWNS) != 0:
        return False
    from coderl.execution import view

    view.enter_view(visible, scratch_mb, rw_binds)
    return True


def empty_scratch_dirs(keep: str) -> None:
    """Remove what the last sandbox left in the (private) scratch dirs, except ``keep``."""
    for path in SCRATCH_DIRS:
        try:
            names = os.listdir(path)
        except FileNotFoundError:
            continue
        for name in names:
            if f"{path}/{name}" != keep:
                remove_tree(f"{path}/{name}")


def make_workdir(parent: str, uid: int | None) -> str:
    """A fresh working directory that only the sandbox's uid can use."""
    path = f"{parent}/run-{os.getpid()}-{time.monotonic_ns()}"
    os.mkdir(path, 0o700)
    if uid is not None:
        os.chown(path, uid, uid)
    return path


def restrict_inherited(uid: int | None, limits: Limits, max_processes: int | None = None) -> None:
    """The restrictions a fork inherits: no core dumps, no POSIX message queue,
    the sandbox uid's process count (``max_processes`` as the hard limit, up to which a child
    may be given more: the JVM), no supplementary groups, a private umask, no new privileges
    through exec. A zygote sets them once, before its first fork (root, which it is, is
    exempt from the process count). Only root could undo them, and a sandbox never is root.
    The largest file is each child's (`limit_file_size`): a zygote writes stdins of any size."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    os.umask(0o077)
    if uid is not None:
        hard = max(limits.max_processes, max_processes or 0)
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, hard))
        os.setgroups([])
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)


def limit_file_size(limits: Limits) -> None:
    """In a forked child: the largest file it may write (stdout included, for a batch)."""
    size = limits.file_size_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def enter_sandbox(
    uid: int | None,
    limits: Limits,
    cpu_budget_s: float,
    workdir: str,
    new_session: bool = True,
    oom_first: bool = False,
) -> None:
    """In a forked child (after `restrict_inherited`), before untrusted code runs: its own
    session, CPU and memory limits, its working directory, the sandbox uid, and death with
    its parent (not inherited across fork). ``oom_first``: the child, not the zygote (which
    is exempt), is what the kernel kills when the memory cgroup is full."""
    if new_session:
        os.setsid()
    if oom_first:
        fd = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        os.write(fd, b"1000")
        os.close(fd)
    cpu = max(1, int(cpu_budget_s + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    memory = limits.memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    os.chdir(workdir)
    if uid is not None:
        os.setgid(uid)
        os.setuid(uid)
    die_with_parent()


def read_proc(path: str) -> bytes:
    """A small /proc file, read with two syscalls: the zygote calls this while a child shares
    its pages, and every page it touches then costs a copy (docs/judge.md, "Speed")."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 1 << 16)
    finally:
        os.close(fd)


def _children(single_threaded: bool = False) -> list[int]:
    """Our children; ``single_threaded`` (the zygote): one read of our own task's list, else
    one per thread (a child's parent is the thread that forked it)."""
    pid = os.getpid()
    tids = [pid] if single_threaded else os.listdir(f"/proc/{pid}/task")
    kids: list[int] = []
    for tid in tids:
        try:
            children = read_proc(f"/proc/{pid}/task/{tid}/children")
        except FileNotFoundError:  # the thread ended
            continue
        kids.extend(map(int, children.split()))
    return kids


def kill_descendants(
    statuses: dict[int, tuple[int, float]] | None = None, single_threaded: bool = False
) -> None:
    """Kill and reap every descendant of this subreaper; ``statuses`` collects each reaped
    pid's (wait status, CPU seconds)."""
    while kids := _children(single_threaded):
        for kid in kids:
            _kill(kid)
        for kid in kids:
            try:
                pid, status, usage = os.wait4(kid, 0)
            except ChildProcessError:
                continue
            if statuses is not None:
                statuses[pid] = (status, usage.ru_utime + usage.ru_stime)


def _kill(pid: int) -> None:
    """SIGKILL a process, and its whole process group when it leads one (atomic w.r.t. fork)."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def processes_of(uids: range, zombies: bool = True) -> list[int]:
    """Pids of processes whose owner is in ``uids`` (leak checks; zombies too by default)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            if os.stat(f"/proc/{entry}").st_uid not in uids:
                continue
            if zombies or read_proc(f"/proc/{entry}/stat").rsplit(b")", 1)[1][1:2] != b"Z":
                found.append(int(entry))
    return found


def kill_uids(uids: range) -> None:
    """Last resort after a worker died: SIGKILL every process of these sandbox uids."""
    for _ in range(100):
        pids = processes_of(uids, zombies=False)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)
