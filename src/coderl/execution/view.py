"""The filesystem a program sees: a minimal read-only view, built once per zygote.

`enter_view` turns the calling process's (private) mount namespace into a new root that
holds only what programs need, then `pivot_root`s into it, so that every child the zygote
forks later sees it at no cost per program:

- read-only: ``/usr`` (compilers, their headers and libraries, the JVM, the system
  interpreter) and the top-level links into it (``/bin``, ``/lib``, ...); a few files of
  ``/etc`` that the dynamic loader and the JVM read (`ETC_ENTRIES`); the Python installation
  and the allowed packages (the interpreter's prefixes and ``sys.path``: `python_paths`);
- ``/proc`` mounted afresh with ``hidepid=invisible``: a program sees only its own uid's
  processes, so no other command line (say, a dataset path) and no other environment;
- ``/dev`` with ``null``, ``zero``, ``full``, ``random``, ``urandom`` only;
- ``/tmp``: the only writable place, a tmpfs capped at ``scratch_mb`` that holds every
  working directory (``/var/tmp`` and ``/dev/shm`` point into it).

Nothing else of the host exists in the view: not the datasets, not ``/work``, ``/root``
(but for an interpreter that lives there), ``/home``, ``/sys``, ``/var``, ``/run``. An
interpreter prefix under the host's ``/tmp`` (a virtualenv made there) is left out, since the
view's ``/tmp`` is the scratch tmpfs: programs then import from the base interpreter only.
"""

from __future__ import annotations

import ctypes
import os
import stat
import sys
from collections.abc import Iterable, Sequence

_libc = ctypes.CDLL(None, use_errno=True)
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 0x1, 0x2, 0x4, 0x8, 0x20
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 0x40000
_MNT_DETACH = 2
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}.get(os.uname().machine)

RUNTIME = ("/usr",)
ROOT_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_ENTRIES = (
    "alternatives",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "passwd",
    "group",
    "nsswitch.conf",
    "java-",  # a prefix: the JDKs' configuration folders
)
DEVICES = ("null", "zero", "full", "random", "urandom")
STAGING = "/tmp"  # where the new root is assembled (inside the private namespace only)
VIEW_OWN = ("/tmp", "/var/tmp", "/dev", "/proc")  # made by the view, never bound from the host


def python_paths() -> list[str]:
    """The interpreter, its standard library and the installed packages programs may
    import: the prefixes only, never the rest of ``sys.path`` (the caller's script folder or
    working directory, which may hold data)."""
    return sorted({sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix})


def enter_view(
    visible: Sequence[str], scratch_mb: int, rw_binds: Sequence[tuple[str, str]] = ()
) -> None:
    """Root only, single-threaded, right after ``unshare(CLONE_NEWNS)``: build the view
    (the runtime, ``visible`` read-only, ``rw_binds`` (host path, path in the view, outside
    /tmp) read-write, a ``scratch_mb`` MiB ``/tmp``) and make it this process's root.
    Raises OSError when a step fails (the judge's fault)."""
    if _SYS_PIVOT_ROOT is None:
        raise OSError(f"no pivot_root syscall number known for {os.uname().machine}")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    names = sorted(os.listdir("/etc"))
    etc = [
        f"/etc/{n}"
        for n in names
        if any(n == e or (e.endswith("-") and n.startswith(e)) for e in ETC_ENTRIES)
    ]
    read_only = _outermost([*RUNTIME, *etc, *(p for p in ROOT_LINKS if not os.path.islink(p))])
    for path in _outermost(os.path.realpath(p) for p in visible):
        if any(_inside(path, own) for own in VIEW_OWN):
            # The view makes these itself (/tmp is the programs' scratch tmpfs): a path
            # under the host's (a virtualenv made in /tmp) cannot appear there; programs
            # then import from the base interpreter's prefix only.
            continue
        if not any(path == r or path.startswith(r + "/") for r in read_only):
            read_only.append(path)
    for _, target in rw_binds:
        if target == "/tmp" or target.startswith("/tmp/"):
            raise ValueError(f"a bind inside the scratch dir would be emptied: {target}")
    # held open: the staging tmpfs covers /tmp, where a source may live (a caller's cwd)
    sources = {path: os.open(path, os.O_PATH) for path in read_only}
    rw_sources = [(os.open(source, os.O_PATH), target) for source, target in rw_binds]
    new = STAGING
    _mount("tmpfs", new, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=4m")
    for path in ROOT_LINKS:
        if os.path.islink(path):
            os.symlink(os.readlink(path), new + path)
    for path, fd in sources.items():
        _bind_read_only(fd, new + path)
        os.close(fd)
    for fd, target in rw_sources:
        os.makedirs(new + target, 0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", new + target, None, _MS_BIND)
        os.close(fd)
    _proc(new + "/proc")
    _devices(new + "/dev")
    os.mkdir(new + "/tmp")
    options = f"mode=1777,size={scratch_mb}m,nr_inodes=65536"
    _mount("tmpfs", new + "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, options)
    os.makedirs(new + "/var", 0o755, exist_ok=True)  # a bound /var/... may have made it
    os.symlink("/tmp", new + "/var/tmp")
    _mount(None, new, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    os.chdir(new)
    _check(_libc.syscall(_SYS_PIVOT_ROOT, b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", _MNT_DETACH), "umount the old root")
    os.chdir("/")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def _outermost(paths: Iterable[str]) -> list[str]:
    """Existing paths, without those inside another one of them (bound with it)."""
    kept: list[str] = []
    for path in sorted({p.rstrip("/") or "/" for p in paths if os.path.exists(p)}):
        if not any(path.startswith(k + "/") for k in kept):
            kept.append(path)
    return kept


def _bind_read_only(fd: int, target: str) -> None:
    """Bind what ``fd`` (an O_PATH descriptor) names at ``target``, read-only."""
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        os.makedirs(target, 0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), 0o755, exist_ok=True)
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    _mount(f"/proc/self/fd/{fd}", target, None, _MS_BIND | _MS_REC)
    flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV
    _mount(None, target, None, flags)


def _proc(target: str) -> None:
    """A procfs of our own: with hidepid, a program's uid sees only its own processes."""
    os.mkdir(target, 0o555)
    flags = _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    try:
        _mount("proc", target, "proc", flags, "hidepid=invisible")
    except OSError:  # kernels before 5.8 know only the number
        _mount("proc", target, "proc", flags, "hidepid=2")


def _devices(target: str) -> None:
    os.mkdir(target, 0o755)
    _mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NOEXEC, "mode=0755,size=64k")
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            os.close(os.open(f"{target}/{name}", os.O_CREAT | os.O_WRONLY, 0o666))
            _mount(f"/dev/{name}", f"{target}/{name}", None, _MS_BIND)
    for name, points_to in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
        ("shm", "/tmp"),
    ):
        os.symlink(points_to, f"{target}/{name}")
    _mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NOEXEC)


def _mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    result = _libc.mount(
        None if source is None else source.encode(),
        target.encode(),
        None if fstype is None else fstype.encode(),
        ctypes.c_ulong(flags),
        None if data is None else data.encode(),
    )
    _check(result, f"mount {target}")


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
