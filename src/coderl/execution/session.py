"""The worker's side of one sandboxed run: time it, read what it reports, classify how it ended.

`CallSession` loads a program once and proxies calls into it (call and assert tests);
`run_stdio` runs a program once on one stdin. Both return or raise judge-side facts: nothing
the child says is taken as a verdict, and any malformed report is the program's fault.
"""

from __future__ import annotations

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
    decode_value,
    encode_value,
    send,
)
from coderl.execution.types import ErrorInfo, Verdict
from coderl.execution.zygote import Child, Ending, Zygote, ZygoteDied, read_cpu_seconds


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


def error_from_report(report: dict[str, Any]) -> ErrorInfo:
    """An ErrorInfo from the child's description, type-checked (it is untrusted data)."""
    error = report.get("error")
    if not isinstance(error, dict):
        raise ProtocolViolation("error report without an error")
    line = error.get("line")
    return ErrorInfo(
        type=str(error.get("type"))[:200],
        message=str(error.get("message"))[:2000],
        line=line if type(line) is int else None,
    )


def failure_of(error: ErrorInfo, fatal: bool = False) -> CandidateFailure:
    verdict = Verdict.MEMORY_LIMIT if error.type == "MemoryError" else Verdict.RUNTIME_ERROR
    return CandidateFailure(verdict, f"{error.type}: {error.message}"[:500], error, fatal)


def timeout_failure(limits: Limits) -> CandidateFailure:
    detail = f"time limit of {limits.cpu_time_s:g} s CPU exceeded"
    return CandidateFailure(Verdict.TIMEOUT, detail, ErrorInfo("Timeout", detail), fatal=True)


def died_failure(ending: Ending, limits: Limits) -> CandidateFailure:
    """The child ended while it owed us an answer."""
    if ending.signal in (signal.SIGXCPU, signal.SIGKILL) and ending.cpu_time_s >= limits.cpu_time_s:
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

    def __init__(self, zygote: Zygote, program: bytes, limits: Limits, tests: int) -> None:
        self._zygote = zygote
        self._limits = limits
        budget = limits.cpu_time_s * (tests + 1) + 1
        self._child: Child | None = zygote.spawn("calls", budget, program)
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

    def begin_test(self) -> None:
        self._cpu_start = read_cpu_seconds(self._child.pid) if self._child else 0.0
        self._cpu_known = 0.0
        self._wall_start = time.monotonic()
        self._wall_deadline = self._wall_start + self._limits.wall_s

    def test_times(self) -> tuple[float, float]:
        """CPU and wall seconds of the current test so far."""
        cpu = read_cpu_seconds(self._child.pid) - self._cpu_start if self._child else 0.0
        return max(cpu, self._cpu_known), time.monotonic() - self._wall_start

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
        return self._zygote.reap(child, wait=wait)

    def _await(self) -> dict[str, Any]:
        """The child's next report, within the test's CPU and wall budgets."""
        assert self._child is not None
        while True:
            left_wall = self._wall_deadline - time.monotonic()
            left_cpu = self._limits.cpu_time_s - self._cpu_known
            if left_wall <= 0 or left_cpu <= 0:
                raise timeout_failure(self._limits)
            try:
                report = self._child.reports.read(min(left_wall, max(left_cpu, 0.01)))
            except TimeoutError:
                self._cpu_known = read_cpu_seconds(self._child.pid) - self._cpu_start
                continue
            except EOFError:
                raise died_failure(self._end(), self._limits) from None
            if not isinstance(report, dict):
                raise ProtocolViolation("report is not an object")
            return report

    def _end(self) -> Ending:
        assert self._child is not None
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


def run_stdio(zygote: Zygote, program: bytes, stdin: bytes, limits: Limits) -> StdioRun:
    """Run the program once as a script on ``stdin``, capturing at most the output limit."""
    child = zygote.spawn("stdio", limits.cpu_time_s, program, stdin=stdin)
    assert child.stdout_fd is not None
    start = time.monotonic()
    deadline = start + limits.wall_s
    stdout, report = bytearray(), None
    timed_out = truncated = False
    open_fds = {child.stdout_fd, child.reports.fd}
    try:
        cpu_known = 0.0
        while open_fds:
            left_wall = deadline - time.monotonic()
            left_cpu = limits.cpu_time_s - cpu_known
            if left_wall <= 0 or left_cpu <= 0:
                timed_out = True
                break
            ready = select.select(list(open_fds), [], [], min(left_wall, max(left_cpu, 0.01)))[0]
            if not ready:
                cpu_known = read_cpu_seconds(child.pid)
            if child.stdout_fd in ready:
                chunk = os.read(child.stdout_fd, 1 << 16)
                stdout += chunk
                if not chunk:
                    open_fds.discard(child.stdout_fd)
                elif len(stdout) > limits.output_limit_bytes:
                    truncated = True
                    break
            if child.reports.fd in ready and not child.reports.pump():
                open_fds.discard(child.reports.fd)
            while (message := child.reports.take()) is not None:
                report = message[0] if isinstance(message[0], dict) else {"event": "garbage"}
    except (ProtocolViolation, BrokenPipeError, TimeoutError):
        report = {"event": "garbage"}
    cpu = read_cpu_seconds(child.pid)
    if report is None and not (timed_out or truncated) and (setup := child.setup_error()):
        raise ZygoteDied(f"sandbox setup failed: {setup}")
    ending = zygote.reap(child, grace_s=0.0 if (timed_out or truncated) else 0.2)
    assert ending is not None
    return StdioRun(
        stdout=bytes(stdout[: limits.output_limit_bytes]),
        report=report,
        ending=ending,
        timed_out=timed_out or ending.signal == signal.SIGXCPU,
        truncated=truncated,
        cpu_time_s=max(cpu, ending.cpu_time_s),
        wall_time_s=time.monotonic() - start,
    )
