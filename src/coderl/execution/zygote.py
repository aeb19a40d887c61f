"""The zygote: a clean, warm process that forks one sandboxed child per program run.

Each worker starts its zygote as a fresh interpreter (`main`) that imports only the harness,
the isolation layers and the `WARM_IMPORTS`: it never holds a test, so a child (forked from
it) holds no expected output in memory, and a lean parent makes every fork cheap (fewer pages
to copy, no at-fork hooks of threading or logging). The zygote lives in its own network, IPC
and mount namespaces (its root is the minimal view of `coderl.execution.view`) and in its
worker's cgroups (`coderl.execution.cgroups`), is the subreaper of everything its children
start, and after each run kills and reaps all of it and empties the scratch dir: nothing
survives a run. It runs Python programs (a code object, no exec) and, in ``exec`` mode, any
argv (compilers, compiled programs) under the same layers; a submission's stdio tests run as
one batch (`_batch`), each next child forked as soon as the last one ended.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import marshal
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import traceback
from collections import deque
from collections.abc import Iterator
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from coderl.execution import cgroups, harness, isolation
from coderl.execution.protocol import Reader, frame, frame_header, pack, write_all

if TYPE_CHECKING:
    from coderl.execution.limits import Limits

# Modules most programs import: loaded once in the zygote, shared by every fork.
WARM_IMPORTS = [
    "bisect",
    "collections",
    "copy",
    "functools",
    "hashlib",
    "heapq",
    "itertools",
    "json",
    "math",
    "operator",
    "random",
    "re",
    "statistics",
    "string",
    "typing",
    "fractions",
    "decimal",
    "datetime",
    "array",
]
_MAX_REQUEST = 1 << 16
_PIPE_CAPACITY = 60_000  # under a pipe's 64 KiB buffer: written before the child exists
# The zygote's fds: 0, 1 and 3 /dev/null, 2 stderr, 4 the worker's socket. The fds a request
# brings land at 5 and up, so a child lays them out on 0-4 (0-2 stdio, 3 commands, 4 reports:
# see harness) with plain dup2s, and closes everything else with one close_range.
_DEVNULL_FD, _SOCKET_FD, _FIRST_FREE_FD = 3, 4, 5
_MAX_FD = os.sysconf("SC_OPEN_MAX")


class ZygoteDied(Exception):
    """The zygote stopped answering: the judge's fault (infra_error), never the program's."""


class Child(NamedTuple):
    """A sandboxed child as the worker sees it: its pid and its pipes. (Named tuples rather
    than dataclasses here: the zygote process imports this module and stays lean.)"""

    pid: int
    command_fd: int
    reports: Reader  # in exec mode: the program's stderr (raw bytes, not messages)
    stdout_fd: int | None
    setup_fd: int
    cpu_start: float  # the program's CPU meter when it was spawned (see `Zygote.cpu_seconds`)

    def setup_error(self) -> str:
        """What went wrong while the zygote isolated the child ("" when the sandbox was set
        up and the program ran). The child closes this pipe before any untrusted code runs,
        so the program cannot write to it."""
        with os.fdopen(os.dup(self.setup_fd), "rb") as setup:
            return setup.read().decode(errors="replace")

    def close(self) -> None:
        for fd in (self.command_fd, self.reports.fd, self.stdout_fd, self.setup_fd):
            if fd is not None and fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)


class Ending(NamedTuple):
    """How a child ended: its wait status, the CPU seconds of its whole process tree, and
    whether the kernel killed part of it for the memory cgroup's limit."""

    status: int
    cpu_time_s: float
    oom_killed: bool = False

    @property
    def signal(self) -> int | None:
        return os.WTERMSIG(self.status) if os.WIFSIGNALED(self.status) else None

    @property
    def exit_code(self) -> int | None:
        return os.WEXITSTATUS(self.status) if os.WIFEXITED(self.status) else None


class _Owed:
    """An answer the zygote owes (answers come in the order of the requests)."""

    __slots__ = ("answer",)

    def __init__(self) -> None:
        self.answer: dict[str, Any] | None = None

    def get(self, zygote: Zygote) -> dict[str, Any]:
        if self.answer is None:
            with _alarm_blocked():
                zygote._drain(until=self)
        assert self.answer is not None
        return self.answer

    def ending(self, zygote: Zygote) -> Ending:
        answer = self.get(zygote)
        return Ending(answer["status"], answer["cpu_s"], answer["oom"])


class PendingChild:
    """A child asked for (`Zygote.spawn_later`), whose pid is not read yet."""

    def __init__(self, owed: _Owed, command_fd: int, reports: Reader) -> None:
        self.owed, self.command_fd, self.reports = owed, command_fd, reports
        self.stdout_fd: int | None = None
        self.setup_fd = -1
        self.program = b""  # written once the child exists (when too big for the pipe)
        self._child: Child | None = None

    def child(self, zygote: Zygote) -> Child:
        """The child, once the zygote said it exists (the same one on every call)."""
        if self._child is not None:
            return self._child
        answer = self.owed.get(zygote)
        # the cgroup's CPU just before the fork, read by the zygote: what an earlier run left
        # (killed by a reap answered before this spawn) is not charged to this program
        child = Child(
            answer["pid"],
            self.command_fd,
            self.reports,
            self.stdout_fd,
            self.setup_fd,
            answer["cpu0"],
        )
        if self.program:
            with contextlib.suppress(BrokenPipeError, TimeoutError):  # seen as the child's end
                write_all(self.command_fd, self.program, deadline=time.monotonic() + 10)
            self.program = b""
        self._child = child
        return child


class Zygote:
    """The worker's handle on its zygote process.

    ``binds``: (host directory, path in the view) pairs made visible read-write
    (`run_sandboxed`'s ``cwd``); ``visible``: host paths added read-only (the compile
    reward's precompiled headers). The zygote's cgroups are made here and removed by `close`.
    """

    def __init__(
        self,
        uid: int | None,
        limits: Limits,
        max_report_bytes: int,
        binds: tuple[tuple[str, str], ...] = (),
        max_processes: int | None = None,
        visible: tuple[str, ...] = (),
    ) -> None:
        self.uid = uid
        self._max_report_bytes = max_report_bytes
        self._devnull = os.open(os.devnull, os.O_RDWR)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # imported here, not at the top: the zygote process must not hold them
        import dataclasses
        import subprocess

        from coderl.execution import view

        self.cgroup = None
        self.counters: cgroups.Counters | None = None
        if uid is not None:
            processes = max(limits.max_processes, max_processes or 0)
            self.cgroup = cgroups.create(uid, limits.memory_mb, processes)
        settings = {
            "fd": theirs.fileno(),
            "uid": uid,
            "limits": dataclasses.asdict(limits),
            "cgroup": None if self.cgroup is None else self.cgroup.name,
            "visible": [*view.python_paths(), *visible],
            "binds": [list(pair) for pair in binds],
            "max_processes": max_processes,
        }
        entry = "from coderl.execution.zygote import main; main()"
        self._process = subprocess.Popen(
            [sys.executable, "-c", entry, json.dumps(settings)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            pass_fds=(theirs.fileno(),),
            # symbols resolved once at start: a child's first libc call then writes no page
            env={**os.environ, "LD_BIND_NOW": "1"},
        )
        self.pid = self._process.pid
        theirs.close()
        self._socket = ours
        self._owed: deque[_Owed | None] = deque()  # answers asked for and not yet read
        try:
            answer = self._answer()
        except ZygoteDied:
            self._process.wait()
            if self.cgroup is not None:
                cgroups.remove(self.cgroup)
            raise
        self.root: str = answer.pop("root")
        self.features: dict[str, bool] = answer
        if self.cgroup is not None:
            self.counters = cgroups.Counters.open(self.cgroup)

    def host_path(self, path: str) -> str:
        """Where the worker (outside the view) finds ``path`` of the zygote's view."""
        return f"/proc/{self.pid}/root{path}"

    def cpu_seconds(self, child: Child | None = None) -> float:
        """The CPU meter of the running program: with cgroups every process of it (forked
        children included); otherwise the child and the children it waited for."""
        if self.counters is not None:
            now = self.counters.cpu_seconds()
        elif child is not None:
            now = read_cpu_seconds(child.pid)
        else:
            return 0.0
        return now - (child.cpu_start if child is not None else 0.0)

    def spawn(self, *args: Any, **kwargs: Any) -> Child:
        """A new isolated child: see `spawn_later`, whose answer this waits for."""
        return self.spawn_later(*args, **kwargs).child(self)

    def spawn_later(
        self,
        mode: str,
        cpu_budget_s: float,
        program: bytes = b"",
        stdin: bytes | None = None,
        *,
        prelude: bool = False,
        argv: list[str] | None = None,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        memory_mb: int | None = None,
        max_processes: int | None = None,
    ) -> PendingChild:
        """Ask for a new isolated child; ``.child(zygote)`` of the result reads the zygote's
        answer when it is needed, so that the worker can go on meanwhile.

        ``mode`` "stdio" or "calls" runs ``program`` (a marshalled code object; ``prelude``:
        with the call-based import header); "exec" runs ``argv`` (its stderr comes back on
        ``reports.fd``). ``stdin`` set means stdin is that data and stdout is captured,
        otherwise both are /dev/null. ``cwd``: run there (a directory of the view the caller
        made) instead of a fresh working directory; ``memory_mb`` / ``max_processes``
        override the limits for this child."""
        exec_mode = mode == "exec"
        stdin_fd = self._devnull
        if stdin is not None:
            stdin_fd = os.memfd_create("stdin", 0)
            if stdin:
                os.write(stdin_fd, stdin)
            os.lseek(stdin_fd, 0, os.SEEK_SET)
        stdout_r, stdout_w = os.pipe() if stdin is not None else (None, self._devnull)
        command_r, command_w = os.pipe() if not exec_mode else (self._devnull, -1)
        report_r, report_w = os.pipe()
        setup_r, setup_w = os.pipe()
        program = frame(program)
        early = not exec_mode and len(program) <= _PIPE_CAPACITY
        if early:
            os.write(command_w, program)
        request: dict[str, Any] = {"op": "spawn", "mode": mode, "cpu_s": cpu_budget_s}
        if prelude:
            request["prelude"] = True
        if argv is not None:
            request["argv"] = list(argv)
            request["env"] = dict(env or {})
        for key, value in (("cwd", cwd), ("memory_mb", memory_mb), ("nproc", max_processes)):
            if value is not None:
                request[key] = value
        owed = _Owed()
        try:
            with _alarm_blocked():
                self._request(
                    marshal.dumps(request), [stdin_fd, stdout_w, command_r, report_w, setup_w]
                )
                self._owed.append(owed)
        finally:
            for fd in {stdin_fd, stdout_w, command_r, report_w, setup_w} - {self._devnull}:
                os.close(fd)
        pending = PendingChild(owed, command_w, Reader(report_r, self._max_report_bytes))
        pending.stdout_fd, pending.setup_fd = stdout_r, setup_r
        if not early and not exec_mode:
            pending.program = program
        return pending

    def start_batch(
        self, program: bytes, stdins: list[bytes], cpu_limit_s: float
    ) -> tuple[_Owed, Reader]:
        """Ask the zygote to run ``program`` (a marshalled code object) as a stdio program on
        each of ``stdins`` in turn (`_batch`), each under ``cpu_limit_s`` per process. The
        reader gets three frames per test as it ends: ``{"status", "cpu", "oom"}`` (JSON),
        its stdout and its reports (raw, each cut one byte past its limit). The answer comes
        once the batch ended: by itself, or at `stop_batch` (then it tells how the test that
        was running ended: ``status``, ``cpu_s``, ``oom``). Nothing else may be asked of the
        zygote meanwhile."""
        slices, at = [], 0
        for stdin in stdins:
            slices.append((at, len(stdin)))
            at += len(stdin)
        files = [_memfd(b"".join(stdins)), _memfd(frame(program))]
        channel_r, channel_w = os.pipe()
        request = {"op": "batch", "tests": slices, "cpu_s": cpu_limit_s}
        request["caps"] = (self._max_report_bytes // 4 + 1, self._max_report_bytes + 1)
        owed = _Owed()
        try:
            with _alarm_blocked():
                self._drain()  # an answer left unread would fill the socket in the end
                self._request(marshal.dumps(request), [*files, channel_w])
                self._owed.append(owed)
        finally:
            for fd in (*files, channel_w):
                os.close(fd)
        return owed, Reader(channel_r, self._max_report_bytes + 1, decode=bytes)

    def stop_batch(self) -> None:
        """End the running batch now (its answer says how the test that was running ended);
        a no-op once it ended by itself."""
        with _alarm_blocked():
            self._request(marshal.dumps({"op": "stop"}))

    def reap(self, child: Child, grace_s: float = 0.0, wait: bool = True) -> Ending | None:
        """Wait up to ``grace_s`` for the child to end, then kill everything it started. With
        ``wait=False`` the zygote does it while we go on (its answer is read and dropped
        before the next one): nothing of the child survives the next spawn."""
        if not wait:
            self._reap_request(child, grace_s, None)
            return None
        return self.reap_later(child, grace_s).ending(self)

    def reap_later(self, child: Child, grace_s: float = 0.0) -> _Owed:
        """Ask for the reap now, read how the child ended later (``.ending(zygote)``): a spawn
        may be asked for in between, and the zygote reaps before it spawns."""
        owed = _Owed()
        self._reap_request(child, grace_s, owed)
        return owed

    def _reap_request(self, child: Child, grace_s: float, owed: _Owed | None) -> None:
        child.close()
        request = marshal.dumps({"op": "reap", "pid": child.pid, "grace_s": grace_s})
        with _alarm_blocked():
            self._request(request)
            self._owed.append(owed)

    def sync(self) -> None:
        """Wait until every reap asked for is done."""
        with _alarm_blocked():
            self._drain()

    def close(self) -> None:
        with contextlib.suppress(ZygoteDied):
            self.sync()
        self._socket.close()
        self._process.wait()
        os.close(self._devnull)
        if self.counters is not None:
            self.counters.close()
        if self.cgroup is not None:
            cgroups.remove(self.cgroup)

    # Requests and answers are marshal data: both ends are trusted judge code.
    def _request(self, data: bytes, fds: list[int] = ()) -> None:  # type: ignore[assignment]
        try:
            socket.send_fds(self._socket, [data], fds)
        except OSError as err:
            raise ZygoteDied(f"zygote gone: {err}") from None

    def _drain(self, until: _Owed | None = None) -> None:
        """Read owed answers, in order: all of them, or up to ``until``'s."""
        while self._owed:
            owed = self._owed.popleft()
            answer = self._receive()
            if owed is not None:
                owed.answer = answer
            if owed is until is not None:
                return

    def _answer(self) -> dict[str, Any]:
        self._drain()
        return self._receive()

    def _receive(self) -> dict[str, Any]:
        try:
            data = self._socket.recv(_MAX_REQUEST)
        except OSError as err:
            raise ZygoteDied(f"zygote gone: {err}") from None
        if not data:
            raise ZygoteDied("zygote exited")
        return marshal.loads(data)


def main() -> NoReturn:
    """A zygote process, started by `Zygote` with its settings as the one argument."""
    settings = json.loads(sys.argv[1])
    for name in WARM_IMPORTS:
        __import__(name)
    limits = SimpleNamespace(**settings["limits"])  # Limits' fields, without dataclasses
    _zygote_main(settings, limits)


class _State:
    """What the zygote's loop keeps between requests."""

    def __init__(self, uid: int | None, limits: Limits, counters: cgroups.Counters | None):
        self.uid = uid
        self.limits = limits
        self.counters = counters
        self.memory_mb = limits.memory_mb  # the memory cgroup's current program limit
        self.oom_kills = counters.oom_kills() if counters is not None else 0
        self.workdirs: dict[int, str | None] = {}
        self.next_workdir: str | None = None
        self.root = ""
        self.view = False  # in the private view: the scratch dirs are emptied after a run


def _zygote_main(settings: dict[str, Any], limits: Limits) -> NoReturn:
    """The zygote's loop: spawn and reap children on request, until the worker goes away."""
    code = 1
    state = None
    try:
        sock = _lay_out_fds(settings["fd"])
        os.environ.clear()  # once here: every child inherits the scrubbed environment
        os.environ.update(SAFE_ENV, HOME="/tmp", TMPDIR="/tmp")
        harness.prepare_streams()  # bound to fds 0-2, which each child re-points
        isolation.become_subreaper()
        isolation.die_with_parent()
        counters = None
        if settings["cgroup"] is not None:  # before the view hides /sys/fs/cgroup
            group = cgroups.Cgroup(settings["cgroup"])
            cgroups.join(group)
            counters = cgroups.Counters.open(group, writable=True)
        state = _State(settings["uid"], limits, counters)
        features = {
            "network": isolation.unshare_network(),
            "ipc": isolation.unshare_ipc(),
            "cgroup": counters is not None,
        }
        binds = [tuple(pair) for pair in settings["binds"]]
        features["view"] = isolation.private_view(
            settings["visible"], limits.memory_mb, rw_binds=binds
        )
        features["mounts"] = state.view = features["view"]
        state.root = f"/tmp/coderl-sandbox-{os.getpid()}-{os.urandom(4).hex()}"
        os.mkdir(state.root, 0o711)
        os.chmod(state.root, 0o711)  # not narrowed by the umask
        isolation.restrict_inherited(state.uid, limits, settings["max_processes"])
        sock.send(marshal.dumps({**features, "root": state.root}))
        gc.freeze()  # children share these objects: no collector walk copies their pages
        while True:
            try:
                data, fds = _receive_request(sock)
            except ConnectionResetError:  # the worker died
                data = b""
            if not data:
                code = 0
                return
            request = marshal.loads(data)
            if request["op"] == "spawn":
                sock.send(marshal.dumps(_spawn(request, fds, state)))
                continue
            if request["op"] == "stop":  # for a batch that had ended by itself
                continue
            if request["op"] == "batch":
                answer = _batch(request, fds, state, sock)
                if answer is None:  # the worker died
                    return
                sock.send(marshal.dumps(answer))
                continue
            # the answer first, then the cleanup: the worker decides the verdict meanwhile,
            # and the cleanup is done before the next request is read (the next spawn)
            sock.send(marshal.dumps(_reap(request["pid"], request["grace_s"], state)))
            workdir = state.workdirs.pop(request["pid"], None)
            if workdir is not None:
                isolation.remove_tree(workdir)
            if features["view"]:
                isolation.empty_scratch_dirs(keep=state.root)
            _prepare(state)
    except BaseException:
        traceback.print_exc()  # the judge's own bug: show it on the worker's stderr
        sys.stderr.flush()
        raise
    finally:
        isolation.kill_descendants()
        if state is not None and state.root:
            isolation.remove_tree(state.root)
        os._exit(code)


_FDS_SPACE = socket.CMSG_SPACE(8 * 4)  # room for up to 8 fds (C ints)


def _receive_request(sock: socket.socket) -> tuple[bytes, list[int]]:
    """`socket.recv_fds`, without its array and loop (see `isolation`'s note on the zygote)."""
    data, ancillary, _, _ = sock.recvmsg(_MAX_REQUEST, _FDS_SPACE)
    fds: list[int] = []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += struct.unpack(f"{len(payload) // 4}i", payload[: len(payload) // 4 * 4])
    return data, fds


@contextlib.contextmanager
def _alarm_blocked() -> Iterator[None]:
    """Keep the worker's test deadline (SIGALRM) from cutting a zygote exchange in half."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _lay_out_fds(sock_fd: int) -> socket.socket:
    """Put the worker's socket on fd 4 and /dev/null on 0, 1 and 3 (see `_DEVNULL_FD`)."""
    if sock_fd != _SOCKET_FD:
        os.dup2(sock_fd, _SOCKET_FD)
        os.close(sock_fd)
    devnull = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, _DEVNULL_FD):
        if target != devnull:
            os.dup2(devnull, target)
    if devnull not in (0, 1, _DEVNULL_FD):
        os.close(devnull)
    os.closerange(_FIRST_FREE_FD, _MAX_FD)  # anything else Popen let through
    return socket.socket(fileno=_SOCKET_FD)


def _prepare(state: _State) -> None:
    """Work for the next spawn, done while nothing waits for the zygote: a fresh working
    directory, and the count of OOM kills so far."""
    if state.next_workdir is None:
        state.next_workdir = isolation.make_workdir(state.root, state.uid)
    if state.counters is not None:
        state.oom_kills = state.counters.oom_kills()


def _spawn(request: dict[str, Any], fds: list[int], state: _State) -> dict[str, Any]:
    workdir = request.get("cwd")
    made = None
    if workdir is None:
        _prepare(state)  # (a no-op unless the last request was a spawn)
        workdir = made = state.next_workdir
        state.next_workdir = None
    memory_mb = request.get("memory_mb", state.limits.memory_mb)
    if state.counters is not None and memory_mb != state.memory_mb:
        state.counters.set_memory_mb(memory_mb)
        state.memory_mb = memory_mb
    cpu0 = state.counters.cpu_seconds() if state.counters is not None else 0.0
    pid = os.fork()
    if pid == 0:
        _child_main(request, fds, state, workdir, memory_mb)
    for fd in fds:
        os.close(fd)
    state.workdirs[pid] = made
    return {"pid": pid, "cpu0": cpu0}


def _child_main(
    request: dict[str, Any], fds: list[int], state: _State, workdir: str, memory_mb: int
) -> NoReturn:
    """In the forked child: lay out fds, isolate, then hand over to the harness (or exec)."""
    stdin_fd, stdout_fd, command_fd, report_fd, setup_fd = fds  # all >= _FIRST_FREE_FD
    exec_mode = request["mode"] == "exec"
    try:
        os.dup2(stdin_fd, 0)
        os.dup2(stdout_fd, 1)
        os.dup2(report_fd if exec_mode else _DEVNULL_FD, 2)
        os.dup2(command_fd, 3)  # replaces /dev/null
        os.dup2(report_fd, 4)  # replaces the zygote's socket
        os.closerange(_FIRST_FREE_FD, setup_fd)
        os.closerange(setup_fd + 1, _MAX_FD)
        if state.uid is not None:  # up to the zygote's hard limit (the JVM's threads)
            nproc = request.get("nproc", state.limits.max_processes)
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        isolation.limit_file_size(state.limits)
        limits = state.limits
        if memory_mb != limits.memory_mb:
            limits = SimpleNamespace(memory_mb=memory_mb)
        isolation.enter_sandbox(
            state.uid, limits, request["cpu_s"], workdir, oom_first=state.counters is not None
        )
        if exec_mode:
            os.closerange(3, setup_fd)
            os.set_inheritable(setup_fd, False)  # closed by a successful exec
            argv = request["argv"]
            os.execvpe(argv[0], argv, {**os.environ, **request["env"], "HOME": workdir})
    except BaseException as err:  # the judge's own failure: report it, never run the program
        os.write(setup_fd, repr(err).encode() or b"setup failed")
        os._exit(1)
    os.close(setup_fd)
    harness.serve(request["mode"], request.get("prelude", False))


def _batch(
    request: dict[str, Any], fds: list[int], state: _State, sock: socket.socket
) -> dict[str, Any] | None:
    """Run a batch (`Zygote.start_batch`): each test in a fresh child, one after another,
    with no request between them. Each child is set up as `_spawn`'s (its own working dir,
    session, limits, uid) and gets its own copy of its stdin, and files for its stdout and
    reports; the program comes from a file, so the zygote never holds it. Once the child
    ended, everything it started is killed and its output sent on (with ``sendfile``: the
    zygote touches none of it), its dirs cleaned, and the next test starts at once. A
    ``stop`` request kills the running test and ends the batch. None when the worker died."""
    stdins, program, channel = fds
    output_cap, report_cap = request["caps"]
    setup_r, setup_w = os.pipe()
    os.set_blocking(setup_r, False)
    answer: dict[str, Any] = {"status": 0, "cpu_s": 0.0, "oom": False}
    try:
        for at, size in request["tests"]:
            stdin = os.memfd_create("stdin", 0)
            while size:  # in the kernel: the zygote reads none of it
                copied = os.copy_file_range(stdins, stdin, size, at, None)
                at, size = at + copied, size - copied
            os.lseek(stdin, 0, os.SEEK_SET)
            os.lseek(program, 0, os.SEEK_SET)  # each child reads it from the start
            stdout, reports = os.memfd_create("stdout", 0), os.memfd_create("reports", 0)
            _prepare(state)
            workdir, state.next_workdir = state.next_workdir, None
            cpu0 = state.counters.cpu_seconds() if state.counters is not None else 0.0
            spawn = {"mode": "stdio", "cpu_s": request["cpu_s"]}
            pid = os.fork()
            if pid == 0:
                files = [stdin, stdout, program, reports, setup_w]
                _child_main(spawn, files, state, workdir, state.limits.memory_mb)
            os.close(stdin)
            stopped, alive = _await_child(pid, sock)
            statuses: dict[int, tuple[int, float]] = {}
            isolation.kill_descendants(statuses, single_threaded=True)
            status = statuses.get(pid, (0, 0.0))[0]
            cpu, oom = sum(seconds for _, seconds in statuses.values()), False
            if state.counters is not None:  # also what was not waited for: orphans
                cpu = max(cpu, state.counters.cpu_seconds() - cpu0)
                oom = state.counters.oom_kills() > state.oom_kills
                state.oom_kills = state.counters.oom_kills()
            isolation.remove_tree(workdir)
            if state.view:
                isolation.empty_scratch_dirs(keep=state.root)
            answer = {"status": status, "cpu_s": cpu, "oom": oom}
            if not alive:
                return None
            if stopped:
                return answer
            if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 1:  # see `_child_main`
                with contextlib.suppress(BlockingIOError):
                    if setup := os.read(setup_r, 4096):
                        return {**answer, "setup": setup.decode(errors="replace")}
            head = pack({"status": status, "cpu": cpu, "oom": oom})
            try:
                _send_file(channel, stdout, output_cap, head)
                _send_file(channel, reports, report_cap)
            except BrokenPipeError:  # the worker stopped reading: its stop follows
                return _await_stop(sock, answer)
            finally:
                os.close(stdout)
                os.close(reports)
        return answer
    finally:
        for fd in (*fds, setup_r, setup_w):
            os.close(fd)
        _prepare(state)


def _await_child(pid: int, sock: socket.socket) -> tuple[bool, bool]:
    """Wait for the child to end or for a request (a ``stop``): (stopped, worker alive)."""
    pidfd = os.pidfd_open(pid)
    try:
        ready = select.select([pidfd, sock], [], [])[0]
    finally:
        os.close(pidfd)
    if sock not in ready:
        return False, True
    data, fds = _receive_request(sock)
    for fd in fds:
        os.close(fd)
    return True, bool(data)


def _await_stop(sock: socket.socket, answer: dict[str, Any]) -> dict[str, Any] | None:
    data, fds = _receive_request(sock)
    for fd in fds:
        os.close(fd)
    return answer if data else None


def _send_file(channel: int, fd: int, cap: int, before: bytes = b"") -> None:
    """Send a frame of the file ``fd``'s first ``cap`` bytes at most, after ``before``."""
    size = min(os.fstat(fd).st_size, cap)
    write_all(channel, before + frame_header(size))
    offset = 0
    while offset < size:
        sent = os.sendfile(channel, fd, offset, size - offset)
        if not sent:  # the file shrank: a program's child truncated it as it was killed
            write_all(channel, bytes(size - offset))
            break
        offset += sent


def _memfd(data: bytes) -> int:
    """A sealed file holding ``data``: a child that reopens it (/proc/self/fd) still cannot
    change what the next child of the batch reads."""
    fd = os.memfd_create("batch", os.MFD_ALLOW_SEALING)
    write_all(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    return fd


def _reap(pid: int, grace_s: float, state: _State) -> dict[str, Any]:
    if grace_s > 0:
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            pidfd = None
        if pidfd is not None:
            select.select([pidfd], [], [], grace_s)
            os.close(pidfd)
    statuses: dict[int, tuple[int, float]] = {}
    isolation.kill_descendants(statuses, single_threaded=True)
    status = statuses.get(pid, (0, 0.0))[0]
    cpu = sum(seconds for _, seconds in statuses.values())  # the whole tree, orphans too
    oom = False
    if state.counters is not None:
        oom = state.counters.oom_kills() > state.oom_kills
    return {"status": status, "cpu_s": cpu, "oom": oom}


def read_cpu_seconds(pid: int) -> float:
    """CPU seconds a live or zombie child has used so far (all its threads, and the children
    it waited for), from /proc."""
    try:
        fields = isolation.read_proc(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return sum(int(f) for f in fields[11:15]) / _TICKS


_TICKS = os.sysconf("SC_CLK_TCK")
SAFE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
