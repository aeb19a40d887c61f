"""Removing what a program left behind, safely: never follows a symlink, never recurses.

The judge runs as root, so a cleanup that followed a symlink the program planted would
change or delete files of the host (or of the worker's private mounts). This walk opens
every directory with ``O_NOFOLLOW`` relative to its parent's descriptor, removes entries by
name relative to that descriptor, climbs back with ``".."`` (nothing of the program runs any
more when it is called, so no directory moves under it), and keeps only names on a heap
stack: a tree thousands of levels deep costs memory, not recursion or file descriptors.
It never raises; it returns whether the tree is gone.
"""

from __future__ import annotations

import os

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_ROOT = os.geteuid() == 0  # root needs no permission to remove; others open dirs up first


def remove_tree(path: str) -> bool:
    """Remove a file, symlink or directory tree at ``path`` (the link itself, never its
    target), whatever permissions the program set inside it. True when it is gone."""
    try:
        os.rmdir(path)  # the common case: an empty working directory
        return True
    except FileNotFoundError:
        return True
    except OSError:
        pass
    try:
        top = os.open(path, _DIR_FLAGS)
    except FileNotFoundError:
        return True
    except OSError:  # a file or a symlink (ELOOP, ENOTDIR): remove the entry itself
        return _quiet(os.unlink, path)
    try:
        _writable(top)
        _empty(top)
    finally:
        os.close(top)
    return _quiet(os.rmdir, path)


def _empty(top: int) -> None:
    """Remove everything below the directory open as ``top`` (which stays open)."""
    fd = top
    names: list[str] = []  # the path from top to fd
    pending = [_clear_files(fd)]  # per level: subdirectories still to remove
    while pending:
        if pending[-1]:
            name = pending[-1].pop()
            child = _open_dir(fd, name)
            if child is None:  # cannot enter it (or it is gone): leave it
                continue
            if fd != top:
                os.close(fd)
            fd = child
            _writable(fd)
            names.append(name)
            pending.append(_clear_files(fd))
            continue
        pending.pop()
        if not names:
            break
        parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
        os.close(fd)
        fd = parent
        _quiet(os.rmdir, names.pop(), dir_fd=fd)
    if fd != top:
        os.close(fd)


def _clear_files(fd: int) -> list[str]:
    """Unlink every entry of the directory ``fd`` that is not a directory (symlinks
    included); return the names of its subdirectories."""
    subdirs: list[str] = []
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    subdirs.append(entry.name)
                else:
                    _quiet(os.unlink, entry.name, dir_fd=fd)
    except OSError:
        pass
    return subdirs


def _open_dir(parent: int, name: str) -> int | None:
    """Open the subdirectory ``name`` without following a symlink; when its permissions
    shut us out (an unprivileged judge), open them up first. It is a real directory (the
    scan said so, and nothing runs that could swap it), so chmod by name is safe."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except PermissionError:
        pass
    except OSError:
        return None
    try:
        os.chmod(name, 0o700, dir_fd=parent)
        return os.open(name, _DIR_FLAGS, dir_fd=parent)
    except OSError:
        return None


def _writable(fd: int) -> None:
    if not _ROOT:
        _quiet(os.fchmod, fd, 0o700)


def _quiet(operation, *args, **kwargs) -> bool:
    try:
        operation(*args, **kwargs)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True
