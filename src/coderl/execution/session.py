"""The worker's side of one sandboxed run: time it, read what it reports, classify how it ended.

`CallSession` loads a program once and proxies calls into it (call and assert tests);
`StdioBatch` runs a program on each stdin of a submission's stdio tests. Both return or raise
judge-side facts: nothing the child says is taken as a verdict, and any malformed report is
the program's fault.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time
from dataclasses import dataclass
from typing import Any

from coderl.execution.limits import Limits
from coderl.execution.protocol import (
    NotPlainData,
    ProtocolViolation,
    Reader,
    decode_value,
    encode_value,
    send,
)
from coderl.execution.types import ErrorInfo, Verdict
from coderl.execution.zygote import Child, Ending, PendingChild, Zygote, ZygoteDied


class CandidateFailure(BaseException):
    """A call of the candidate failed. ``fatal``: the child is gone (died, hung, spoke
    garbage), so no later call of this session can succeed."""

    def __init__(self, verdict: Verdict, detail: str, error: ErrorInfo | None, fatal: bool):
        super().__init__(detail)
        self.verdict = verdict
        self.detail = detail
        self.error = error
        self.fatal = fatal


@dataclass(frozen=True)
class StdioRun:
    """What a stdio run produced, as observed by the worker."""

    stdout: bytes
    report: dict[str, Any] | None  # the harness's last word, if any (never trusted as a verdict)
    ending: Ending
    timed_out: bool
    truncated: bool
    cpu_time_s: float
    wall_time_s: float


def error_from_report(report: Any) -> ErrorInfo:
    """An ErrorInfo from the child's description of its error. It is untrusted data of any
    shape: whatever it is, the result is the program's error (never an exception here)."""
    error = report.get("error") if type(report) is dict else None
    if type(error) is not dict:
        detail = f"the program broke the judge protocol: bad error report {_excerpt(report)}"
        return ErrorInfo("ProtocolViolation", detail[:500])
    kind, message, line = error.get("type"), error.get("message"), error.get("line")
    return ErrorInfo(
        type=kind[:200] if type(kind) is str else "UnknownError",
        message=message[:2000] if type(message) is str else _excerpt(message),
        line=line if type(line) is int else None,
    )


def _excerpt(value: Any) -> str:
    try:
        return repr(value)[:200]
    except Exception:
        return "<unprintable>"


def failure_of(error: ErrorInfo, fatal: bool = False) -> CandidateFailure:
    verdict = Verdict.MEMORY_LIMIT if error.type == "MemoryError" else Verdict.RUNTIME_ERROR
    return CandidateFailure(verdict, f"{error.type}: {error.message}"[:500], error, fatal)


def timeout_failure(limits: Limits) -> CandidateFailure:
    detail = f"time limit of {limits.cpu_time_s:g} s CPU exceeded"
    return CandidateFailure(Verdict.TIMEOUT, detail, ErrorInfo("Timeout", detail), fatal=True)


def memory_failure(limits: Limits) -> CandidateFailure:
    detail = f"memory limit of {limits.memory_mb} MiB exceeded (all its processes and files)"
    error = ErrorInfo("MemoryLimitExceeded", detail)
    return CandidateFailure(Verdict.MEMORY_LIMIT, detail, error, fatal=True)


def died_failure(
    ending: Ending, limits: Limits, cpu_s: float = 0.0, cpu_limit_s: float | None = None
) -> CandidateFailure:
    """The child ended while it owed us an answer (``cpu_s``: the test's CPU so far)."""
    if ending.oom_killed:
        return memory_failure(limits)
    limit = limits.cpu_time_s if cpu_limit_s is None else cpu_limit_s
    if ending.signal in (signal.SIGXCPU, signal.SIGKILL) and cpu_s >= limit:
        return timeout_failure(limits)
    how = (
        f"killed by {signal.Signals(ending.signal).name}"
        if ending.signal is not None
        else f"exited with code {ending.exit_code}"
    )
    error = ErrorInfo("ProgramExited" if ending.signal is None else "Signal", how)
    return CandidateFailure(Verdict.RUNTIME_ERROR, how, error, fatal=True)


class CallSession:
    """One sandboxed child with the program loaded, answering calls; each test has its own
    CPU and wall budget (`begin_test`)."""

    def __init__(
        self, zygote: Zygote, program: bytes, limits: Limits, tests: int, prelude: bool = False
    ) -> None:
        self._zygote = zygote
        self._limits = limits
        budget = limits.cpu_time_s * (tests + 1) + 1
        # the pid is read when first needed: the child loads the program meanwhile
        self._child: Child | PendingChild | None = zygote.spawn_later(
            "calls", budget, program, prelude=prelude
        )
        self.failure: CandidateFailure | None = None  # set once the child is unusable
        self.load_failed = True  # until the child says it loaded the program
        self.begin_test()
        try:
            report = self._await()
            if report.get("event") == "error":
                raise failure_of(error_from_report(report), fatal=True)
            if report.get("event") != "loaded":
                raise ProtocolViolation(f"unexpected report {str(report)[:80]}")
            self.load_failed = False
        except CandidateFailure as failure:
            self._fail(failure)
        except (ProtocolViolation, TimeoutError, BrokenPipeError) as err:
            self._fail(self._violation(err))

    def begin_test(self, cpu_limit_s: float | None = None) -> None:
        """Start a test's budgets: ``cpu_limit_s`` (default ``cpu_time_s``), and the wall."""
        self._cpu_limit = self._limits.cpu_time_s if cpu_limit_s is None else cpu_limit_s
        # a child not yet known has used nothing since its fork (the meter's zero)
        pending = isinstance(self._child, PendingChild)
        self._cpu_start = 0.0 if pending else self._cpu_now()
        self._cpu_known = 0.0
        self._wall_start = time.monotonic()
        self._wall_deadline = self._wall_start + self._limits.wall_s

    def test_times(self) -> tuple[float, float]:
        """CPU and wall seconds of the current test so far."""
        cpu = self._cpu_now() - self._cpu_start if self._child else 0.0
        return max(cpu, self._cpu_known), time.monotonic() - self._wall_start

    def _cpu_now(self) -> float:
        if self._child is None:
            return 0.0
        if isinstance(self._child, PendingChild):
            self._child = self._child.child(self._zygote)
        return self._zygote.cpu_seconds(self._child)

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Call ``name`` in the child; the plain value it returned, or `CandidateFailure`."""
        if self.failure is not None:
            raise self.failure
        try:
            message = {"op": "call", "name": name, "args": encode_value(list(args))}
            message["kwargs"] = encode_value(kwargs)
        except NotPlainData as err:
            detail = f"argument is not plain data ({err})"
            raise CandidateFailure(Verdict.WRONG_ANSWER, detail, None, fatal=False) from None
        try:
            send(self._child.command_fd, message, deadline=self._wall_deadline)
            report = self._await()
            if "ok" in report:
                return decode_value(report["ok"])
            if "not_plain" in report:
                detail = (
                    f"returned a value that is not plain data ({str(report['not_plain'])[:200]})"
                )
                raise CandidateFailure(Verdict.WRONG_ANSWER, detail, None, fatal=False)
            if "raised" in report:
                raise failure_of(error_from_report({"error": report["raised"]}))
            raise ProtocolViolation(f"unexpected report {str(report)[:80]}")
        except (ProtocolViolation, TimeoutError, BrokenPipeError) as err:
            raise self._fail(self._violation(err)) from None
        except CandidateFailure as failure:
            if failure.fatal:
                self._fail(failure)
            raise

    def close(self, wait: bool = False) -> Ending | None:
        """End the child (and everything it started); ``wait`` for how it ended."""
        if self._child is None:
            return None
        child, self._child = self._child, None
        if isinstance(child, PendingChild):
            child = child.child(self._zygote)
        return self._zygote.reap(child, wait=wait)

    def _await(self) -> dict[str, Any]:
        """The child's next report, within the test's CPU and wall budgets."""
        assert self._child is not None
        while True:
            left_wall = self._wall_deadline - time.monotonic()
            left_cpu = self._cpu_limit - self._cpu_known
            if left_wall <= 0 or left_cpu <= 0:
                raise timeout_failure(self._limits)
            try:
                report = self._child.reports.read(min(left_wall, max(left_cpu, 0.01)))
            except TimeoutError:
                self._cpu_known = self._cpu_now() - self._cpu_start
                continue
            except EOFError:
                cpu = self._cpu_now() - self._cpu_start
                raise died_failure(self._end(), self._limits, cpu, self._cpu_limit) from None
            if not isinstance(report, dict):
                raise ProtocolViolation("report is not an object")
            return report

    def _end(self) -> Ending:
        assert self._child is not None
        if isinstance(self._child, PendingChild):
            self._child = self._child.child(self._zygote)
        setup_error = self._child.setup_error()
        if setup_error:
            raise ZygoteDied(f"sandbox setup failed: {setup_error}")
        ending = self.close(wait=True)
        assert ending is not None
        return ending

    def _fail(self, failure: CandidateFailure) -> CandidateFailure:
        self.failure = failure
        self.close()
        return failure

    def _violation(self, err: Exception) -> CandidateFailure:
        if isinstance(err, TimeoutError):
            return timeout_failure(self._limits)
        detail = f"the program broke the judge protocol: {err}"[:500]
        return CandidateFailure(
            Verdict.RUNTIME_ERROR, detail, ErrorInfo("ProtocolViolation", detail), fatal=True
        )


class StdioBatch:
    """A submission's stdio tests, run one after another by the zygote on one request
    (`Zygote.start_batch`): it starts each next test as soon as the last one ended and its
    output was sent, while the worker decides that one's verdict. `run` gives what a lone run
    of the test would (the same `StdioRun`); the output is compared here, as ever.

    A test that runs out of time, or that the zygote does not report on, ends the batch
    (``broken``): the next test needs a new one. Nothing else may be asked of the zygote
    while a batch runs: `close` it first."""

    def __init__(
        self,
        zygote: Zygote,
        program: bytes,
        stdins: list[bytes],
        limits: Limits,
        max_report_bytes: int,
    ) -> None:
        self._zygote, self._limits, self._max_report_bytes = zygote, limits, max_report_bytes
        self._owed, self._channel = zygote.start_batch(program, stdins, limits.cpu_time_s)
        self._tests = len(stdins)
        self._done = False  # every test ran and was reported: the zygote ends the batch
        # with cgroups, the meter counts every process of the running test (else nothing:
        # RLIMIT_CPU per process is the limit); its reading when the last test ended is the
        # next one's start
        self._cpu_mark = zygote.cpu_seconds()
        self.tests_run = 0
        self.broken = False

    def run(self, cpu_limit_s: float) -> StdioRun:
        """The next test's run, with ``cpu_limit_s`` of CPU for all its processes."""
        assert not self.broken
        zygote, limits, channel = self._zygote, self._limits, self._channel
        self.tests_run += 1
        watch = _Watch(zygote, None, limits, cpu_limit_s, cpu_base=self._cpu_mark)
        frames: list[bytes] = []
        ended = False  # the zygote closed the channel
        while True:  # what the last read brought may hold this test's frames already
            while len(frames) < 3 and (message := channel.take()) is not None:
                frames.append(message[0])
            if len(frames) == 3 or ended or watch.wait({channel.fd}) is None:
                break
            ended = not channel.pump()
        cpu = watch.cpu()
        head = _head(frames[0]) if len(frames) == 3 else None
        if head is not None:
            self._cpu_mark = watch.cpu_base + cpu
            self._done = self.tests_run == self._tests
            ending = Ending(head["status"], max(cpu, head["cpu"]), head["oom"])
            stdout, report = frames[1], _last_report(frames[2], self._max_report_bytes)
        else:  # out of time (or the batch ended early): the zygote says how the test ended
            answer = self._stop()
            if "setup" in answer:
                raise ZygoteDied(f"sandbox setup failed: {answer['setup']}")
            ending = Ending(answer["status"], max(cpu, answer["cpu_s"]), answer["oom"])
            stdout, report = b"", None
        cpu = max(cpu, ending.cpu_time_s)
        truncated = len(stdout) > limits.output_limit_bytes
        timed_out = watch.timed_out or ending.signal == signal.SIGXCPU or cpu > cpu_limit_s
        if truncated:  # it wrote too much before whatever else it did: that is its verdict
            timed_out, ending = False, ending._replace(oom_killed=False)
        return StdioRun(
            stdout=stdout[: limits.output_limit_bytes],
            report=report,
            ending=ending,
            timed_out=timed_out,
            truncated=truncated,
            cpu_time_s=cpu,
            wall_time_s=watch.wall(),
        )

    def _stop(self) -> dict[str, Any]:
        """End the batch; the zygote's answer (how the running test ended)."""
        self.close()
        return self._owed.get(self._zygote)

    def close(self) -> None:
        """End the batch without waiting (its answer is read before the next request)."""
        if self.broken:
            return
        self.broken = True
        os.close(self._channel.fd)  # a zygote sending output sees the end, then the stop
        if not self._done:
            self._zygote.stop_batch()


def run_stdio(zygote: Zygote, program: bytes, stdin: bytes, limits: Limits) -> StdioRun:
    """Run ``program`` once as a script on ``stdin`` (a batch of one test), with
    ``limits.cpu_time_s`` of CPU for all its processes; for trusted helper programs, such as
    the compile reward's batch compiler, that read their work from stdin."""
    batch = StdioBatch(zygote, program, [stdin], limits, 4 * limits.output_limit_bytes)
    try:
        return batch.run(limits.cpu_time_s)
    finally:
        batch.close()


def _head(data: bytes) -> dict[str, Any] | None:
    """The zygote's word on how a test ended, if well formed."""
    try:
        head = json.loads(data)
    except ValueError:
        return None
    if type(head) is not dict or type(head.get("status")) is not int:
        return None
    if type(head.get("cpu")) not in (int, float) or type(head.get("oom")) is not bool:
        return None
    return head


def _last_report(data: bytes, max_bytes: int) -> dict[str, Any] | None:
    """The program's last report among the messages it wrote (a partial last one is not a
    message); a malformed one makes it ``{"event": "garbage"}``."""
    reader = Reader(-1, max_bytes)
    reader.feed(data)
    report = None
    try:
        while (message := reader.take()) is not None:
            report = message[0] if type(message[0]) is dict else {"event": "garbage"}
    except ProtocolViolation:
        return {"event": "garbage"}
    return report


class _Watch:
    """A run's CPU and wall budgets, checked whenever a wait for its output expires."""

    def __init__(
        self,
        zygote: Zygote,
        child: Child | PendingChild | None,
        limits: Limits,
        cpu_limit_s: float,
        cpu_base: float = 0.0,
    ):
        self._zygote, self._child = zygote, child
        self._cpu_limit = cpu_limit_s
        self.cpu_base = cpu_base  # the meter's reading at the start: `cpu` counts from here
        self._start = time.monotonic()
        self.deadline = self._start + limits.wall_s
        self._cpu_known = 0.0
        self._grace = False
        self.timed_out = False

    def wait(self, fds: set[int]) -> list[int] | None:
        """The fds ready to read, or None once a budget is spent (``timed_out``)."""
        while True:
            left_wall = self.deadline - time.monotonic()
            left_cpu = self._cpu_limit - self._cpu_known
            if left_wall <= 0 or left_cpu <= 0:
                self.timed_out = left_cpu <= 0 or not self._grace
                return None
            ready = select.select(list(fds), [], [], min(left_wall, max(left_cpu, 0.01)))[0]
            if ready:
                return ready
            self._cpu_known = self.cpu()

    def shorten(self, seconds: float) -> None:
        """End the wait at most ``seconds`` from now (not a timeout: the program ended)."""
        self.deadline = min(self.deadline, time.monotonic() + seconds)
        self._grace = True

    def cpu(self) -> float:
        if isinstance(self._child, PendingChild):
            self._child = self._child.child(self._zygote)
        return self._zygote.cpu_seconds(self._child) - self.cpu_base

    def wall(self) -> float:
        return time.monotonic() - self._start


_STDERR_LIMIT = 64 << 10
_DRAIN_S = 0.2
_MEMORY_MARKERS = (b"MemoryError", b"std::bad_alloc", b"OutOfMemoryError", b"Cannot allocate")


@dataclass(frozen=True)
class SandboxResult:
    """What one sandboxed run of an argv did, as observed from outside."""

    exit_code: int | None
    signal: int | None
    stdout: bytes
    stderr: bytes
    cpu_time_s: float
    wall_time_s: float
    timed_out: bool
    memory_exceeded: bool
    output_truncated: bool


def run_exec(
    zygote: Zygote,
    argv: list[str],
    stdin: bytes,
    limits: Limits,
    *,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    max_processes: int | None = None,
) -> SandboxResult:
    """Run ``argv`` (a compiler, a compiled program) in the zygote's sandbox on ``stdin``:
    stdout capped at the output limit, stderr at 64 KiB, CPU counted over every process."""
    child = zygote.spawn(
        "exec",
        limits.cpu_time_s,
        stdin=stdin,
        argv=argv,
        env=env,
        cwd=cwd,
        memory_mb=limits.memory_mb,
        max_processes=max_processes,
    )
    assert child.stdout_fd is not None
    watch = _Watch(zygote, child, limits, limits.cpu_time_s)
    streams = {child.stdout_fd: bytearray(), child.reports.fd: bytearray()}
    caps = {child.stdout_fd: limits.output_limit_bytes, child.reports.fd: _STDERR_LIMIT}
    truncated = False
    exited = os.pidfd_open(child.pid)  # once it ends, what it left gets only a short grace
    open_fds = {*streams, exited}
    while open_fds - {exited} and (ready := watch.wait(open_fds)) is not None:
        for fd in ready:
            if fd == exited:
                open_fds.discard(exited)
                watch.shorten(_DRAIN_S)
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                open_fds.discard(fd)
                continue
            streams[fd] += chunk
            if len(streams[fd]) > caps[fd]:
                del streams[fd][caps[fd] :]
                truncated = truncated or fd == child.stdout_fd
        if truncated:
            break
    os.close(exited)
    cpu = watch.cpu()
    stopped = watch.timed_out or truncated
    if not stopped and (setup := child.setup_error()):
        zygote.reap(child)
        raise ZygoteDied(f"sandbox setup failed: {setup}")
    ending = zygote.reap(child, grace_s=0.0 if stopped else _DRAIN_S)
    assert ending is not None
    cpu = max(cpu, ending.cpu_time_s)
    stderr = bytes(streams[child.reports.fd])
    sig, code = ending.signal, ending.exit_code
    cpu_exceeded = sig == signal.SIGXCPU or cpu > limits.cpu_time_s
    failed = sig is not None or code != 0
    memory = ending.oom_killed or (
        failed and not cpu_exceeded and any(m in stderr for m in _MEMORY_MARKERS)
    )
    return SandboxResult(
        exit_code=code,
        signal=sig,
        stdout=bytes(streams[child.stdout_fd]),
        stderr=stderr,
        cpu_time_s=cpu,
        wall_time_s=watch.wall(),
        timed_out=(watch.timed_out or cpu_exceeded) and not ending.oom_killed,
        memory_exceeded=memory,
        output_truncated=truncated,
    )
