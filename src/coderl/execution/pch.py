"""Precompiled C++ headers for the compile reward: ``bits/stdc++.h`` parsed once, not each time.

Most XLCoST C++ programs start with ``#include <bits/stdc++.h>``, whose parse alone costs g++
about 1.6 CPU seconds; a precompiled copy loads in a tenth of that. The ``.gch`` files are
built once per compiler version and flags, on the host (they are made from system headers
only, never from a program), under the user's cache folder, and the sandbox sees that folder
read-only (`Zygote`'s ``visible``). g++ finds ``DIR/bits/stdc++.h.gch`` through ``-I DIR``
and uses it only when it is valid for the compile's flags and the include comes first;
otherwise it silently reads the header itself, so a program's verdict never depends on the
cache, only its speed does.

The build takes tens of seconds, so it runs in a background thread: compiles go on without
the cache until it is ready (`precompiled_dir(wait=True)` blocks instead, for benchmarks).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import hashlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

HEADERS = ("bits/stdc++.h", "iostream")  # the first include of 89% and 8% of XLCoST's C++
BUILD_TIMEOUT_S = 600.0
_FORMAT = "1"  # bump when the folder's layout changes

_lock = threading.Lock()
_builds: dict[str, threading.Thread] = {}
_running: set[subprocess.Popen] = set()  # g++ processes building headers


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/coderl/pch`` (default ``~/.cache``): outside /tmp, which the
    sandbox's view replaces by its own scratch space."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "coderl" / "pch"


def precompiled_dir(
    compiler: str,
    flags: Sequence[str],
    headers: Sequence[str] = HEADERS,
    root: Path | None = None,
    wait: bool = False,
) -> str | None:
    """The folder holding ``headers`` precompiled for ``compiler`` with ``flags`` (pass it
    as ``-I``), or None while it is being built (started here, once) or when it cannot be
    built (no compiler: then every compile reads the headers itself)."""
    try:
        folder = (root or cache_root()) / _key(compiler, tuple(flags), tuple(headers))
    except (OSError, subprocess.SubprocessError):
        return None
    if (folder / "ready").exists():
        return str(folder)
    with _lock:
        thread = _builds.get(str(folder))
        if thread is None:
            thread = threading.Thread(
                target=_build, args=(compiler, tuple(flags), tuple(headers), folder), daemon=True
            )
            _builds[str(folder)] = thread
            thread.start()
    if wait:
        thread.join()
    return str(folder) if (folder / "ready").exists() else None


@functools.cache
def _key(compiler: str, flags: tuple[str, ...], headers: tuple[str, ...]) -> str:
    """Which compiler (its version line and target) and flags the headers are valid for."""
    version = subprocess.run(
        [compiler, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.splitlines()[0]
    machine = subprocess.run(
        [compiler, "-dumpmachine"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()
    text = "\0".join([_FORMAT, version, machine, *flags, "", *headers])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _build(compiler: str, flags: tuple[str, ...], headers: tuple[str, ...], folder: Path) -> None:
    """Build ``folder`` unless another process is building it (it holds the lock) or has
    built it; a failure is logged, and compiles go on reading the headers themselves."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with open(folder.parent / f"{folder.name}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return
            if (folder / "ready").exists():
                return
            for stale in folder.parent.glob(f"{folder.name}.*"):  # killed with its process
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
            _stage(compiler, flags, headers, folder)
    except (OSError, subprocess.SubprocessError) as err:
        log.warning("precompiled headers: could not build %s: %s", folder, err)


def _stage(compiler: str, flags: tuple[str, ...], headers: tuple[str, ...], folder: Path) -> None:
    """Precompile every header into a temporary folder and move it into place (atomic: a
    reader sees a complete folder or none)."""
    staging = Path(tempfile.mkdtemp(prefix=f"{folder.name}.", dir=folder.parent))
    try:
        for header in headers:
            _precompile(compiler, flags, header, staging)
        (staging / "ready").write_text("\n".join(headers) + "\n")
        for path in [staging, *staging.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)  # the sandbox's uid reads them
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _precompile(compiler: str, flags: tuple[str, ...], header: str, out: Path) -> None:
    """``out/HEADER.gch`` from a one-line header that includes it (g++ does not check the
    name a precompiled header was made from, only its flags)."""
    target = out / f"{header}.gch"
    target.parent.mkdir(parents=True, exist_ok=True)
    source = out / "source.h"
    source.write_text(f"#include <{header}>\n")
    argv = [compiler, *flags, "-x", "c++-header", str(source), "-o", str(target)]
    with subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    ) as process:  # a group of its own: g++ and the cc1plus it starts stop together
        _running.add(process)
        try:
            _, stderr = process.communicate(timeout=BUILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise
        finally:
            _running.discard(process)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, argv, stderr=stderr)
    source.unlink()


@atexit.register
def _stop_builds() -> None:
    """A build outlives no process: its daemon thread stops at exit, and so does its g++
    (the next process starts the build again)."""
    for process in list(_running):
        _kill(process)


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
