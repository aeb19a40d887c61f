"""The isolation layers, as small functions applied in freshly forked processes.

Used by `sandbox.run_sandboxed` (any argv) and by the pool's zygote (Python programs). Each
layer and what it defends is described in docs/judge.md. As root every layer is on; as an
unprivileged user the judge falls back to rlimits, its own session and (where user
namespaces are allowed) an empty network namespace: see `PRIVILEGED`.

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

if TYPE_CHECKING:  # not imported at run time: the zygote stays lean (docs/judge.md, "Speed")
    from coderl.execution.limits import Limits

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT = 0x1, 0x2, 0x4, 0x20
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 0x40000
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER, _PR_SET_NO_NEW_PRIVS = 1, 36, 38

PRIVILEGED = os.geteuid() == 0
"""Root: sandboxes run as their own uid (RLIMIT_NPROC counts them), in their own network and
mount namespaces. Otherwise: the caller's uid, no process-count limit, and a network
namespace only where unprivileged user namespaces are allowed."""

UID_BASE = 1 << 20
SLOTS_PER_OWNER = 1024
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
"""World-writable places: each sandbox sees private, emptied copies (tmpfs) of these."""
HIDDEN_DIRS = ("/root", "/home")
"""Covered by an empty tmpfs inside the sandbox's mount namespace."""


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


def private_mounts(visible: Sequence[str] = ()) -> bool:
    """Root only: a private mount namespace where the scratch dirs are fresh tmpfs and the
    hidden dirs are empty, except for the ``visible`` paths inside them (read-only: the
    Python installation, when it lives under /root). False when not permitted."""
    if not PRIVILEGED or _libc.unshare(_CLONE_NEWNS) != 0:
        return False
    _mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None)
    hidden = [path for path in HIDDEN_DIRS if os.path.isdir(path)]
    kept = {
        path: os.open(path, os.O_PATH)
        for path in {os.path.realpath(p) for p in visible}
        if os.path.isdir(path) and any(path.startswith(h + "/") for h in hidden)
    }
    for path in SCRATCH_DIRS:
        if os.path.isdir(path):
            _mount(b"tmpfs", path.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=1777")
    for path in hidden:
        _mount(b"tmpfs", path.encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, b"mode=0755")
    for path, fd in kept.items():
        os.makedirs(path, mode=0o755, exist_ok=True)
        source = f"/proc/self/fd/{fd}".encode()
        _mount(source, path.encode(), None, _MS_BIND | _MS_REC, None)
        _mount(b"none", path.encode(), None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY, None)
        os.close(fd)
    return True


def _mount(source: bytes, target: bytes, fstype: bytes | None, flags: int, data: bytes | None):
    _check(_libc.mount(source, target, fstype, ctypes.c_ulong(flags), data), f"mount {target!r}")


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


def remove_tree(path: str) -> None:
    """Remove a file or directory tree, whatever permissions the program set inside it."""
    try:
        os.rmdir(path)  # the common case: the program left nothing
        return
    except OSError:
        pass
    if os.path.isdir(path) and not os.path.islink(path):
        for root, dirs, _ in os.walk(path):
            for name in dirs:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(root, name), 0o700)
        import shutil  # rarely needed, and heavy for the zygote to hold

        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def restrict_inherited(uid: int | None, limits: Limits) -> None:
    """The restrictions a fork inherits: largest file, no core dumps, the sandbox uid's process
    count, no supplementary groups, a private umask, no new privileges through exec. A zygote
    sets them once, before its first fork (root, which it is, is exempt from the process
    count); `run_sandboxed` sets them in its child. Only root could undo them, and a sandbox
    never is root."""
    size = limits.file_size_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.umask(0o077)
    if uid is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))
        os.setgroups([])
    _prctl(_PR_SET_NO_NEW_PRIVS, 1)


def enter_sandbox(
    uid: int | None, limits: Limits, cpu_budget_s: float, workdir: str, new_session: bool = True
) -> None:
    """In a forked child (after `restrict_inherited`), before untrusted code runs: its own
    session, CPU and memory limits, its working directory, the sandbox uid, and death with
    its parent (not inherited across fork)."""
    if new_session:
        os.setsid()
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


def _children() -> list[int]:
    pid = os.getpid()
    kids: list[int] = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            children = read_proc(f"/proc/{pid}/task/{tid}/children")
        except FileNotFoundError:  # the thread ended
            continue
        kids.extend(map(int, children.split()))
    return kids


def kill_children() -> None:
    """SIGKILL our children (and their process groups); reaping is left to the caller."""
    for kid in _children():
        _kill(kid)


def kill_descendants(statuses: dict[int, tuple[int, float]] | None = None) -> None:
    """Kill and reap every descendant of this subreaper; ``statuses`` collects each reaped
    pid's (wait status, CPU seconds)."""
    while kids := _children():
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
