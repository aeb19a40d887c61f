"""A warm worker: a trusted judge-side process that judges one submission at a time.

Started fresh (a new interpreter that calls `main`) so that it holds none of the judge's
data; it starts its zygote before it receives any job. Per submission (Python here; C, C++
and Java in `compiled.judge_compiled_job`) it spawns sandboxed children through the zygote,
runs trusted test code itself, compares outputs, and sends the `Judgement` back. Channel:
length-prefixed pickles, on the fds it got as stdin/stdout (trusted peers both ends; the
untrusted child only ever speaks JSON to the worker).
"""

from __future__ import annotations

import marshal
import os
import pickle
import sys
from dataclasses import dataclass

from coderl.execution import checker
from coderl.execution.assertions import base_namespace, run_assert_test
from coderl.execution.compiled import (
    COMPILED_LANGUAGES,
    JVM_MIN_PROCESSES,
    compile_python,
    judge_compiled_job,
)
from coderl.execution.limits import JudgeConfig
from coderl.execution.protocol import Reader, frame, write_all
from coderl.execution.session import (
    CallSession,
    CandidateFailure,
    StdioBatch,
    StdioRun,
    error_from_report,
    failure_of,
    memory_failure,
)
from coderl.execution.types import ErrorInfo, Judgement, TestOutcome, Verdict
from coderl.execution.verdicts import TestBudget, aggregate, first_error
from coderl.execution.zygote import Zygote, ZygoteDied
from coderl.problems.types import TestCase

_MAX_JOB_BYTES = 1 << 30


@dataclass(frozen=True)
class Job:
    """What a worker needs to judge one submission (a slim Submission: no statement)."""

    problem_id: str
    sample_index: int
    code: str
    tests: tuple[TestCase, ...]
    entry_point: str | None
    code_prefix: str
    test_setup_code: str
    apps_values: bool  # APPS call-based outputs: accept v where [v] is expected
    stop_at_first_failure: bool
    all_outcomes: bool = False
    language: str = "python"
    prelude: bool = False  # call-based: the program runs with harness.CALL_PRELUDE's names


@dataclass(frozen=True)
class WorkerFault:
    """The worker could not judge (its zygote died, sandbox setup failed): infra_error."""

    message: str


def judge_job(job: Job, zygote: Zygote, config: JudgeConfig) -> Judgement:
    """Run the job's tests and decide every verdict here, on the judge's side."""
    if job.language in COMPILED_LANGUAGES:
        return judge_compiled_job(job, zygote, config)
    # compiled here, once per submission: a syntax error costs no sandbox, and each child
    # loads the code object (marshal) instead of parsing the source again
    code_object, compile_error = compile_python(job.code)
    if compile_error is not None:
        outcome = TestOutcome(Verdict.COMPILE_ERROR, detail=compile_error.message)
        return _judgement(job, [(outcome, compile_error)])
    program = marshal.dumps(code_object)
    limits = config.limits
    budget = TestBudget(limits, job.all_outcomes, job.stop_at_first_failure)
    results: list[tuple[TestOutcome, ErrorInfo | None]] = []
    session: CallSession | None = None
    batch: StdioBatch | None = None  # covers the tests from `batch_start` on
    batch_start = 0
    base = None
    try:
        for index, test in enumerate(job.tests):
            if budget.spent():
                results.append(budget.spent_outcome())
                break
            cpu_limit = budget.next_cpu_limit()
            if test.kind == "stdio":
                if batch is None or batch.broken or batch_start + batch.tests_run != index:
                    if batch is not None:
                        batch.close()
                    batch, batch_start = _stdio_batch(job, index, zygote, program, config), index
                run = batch.run(cpu_limit)
                verdict, detail, error = _stdio_verdict(run, test, config)
                outcome = TestOutcome(verdict, run.cpu_time_s, run.wall_time_s, detail)
            else:
                if batch is not None:  # one child of the zygote at a time
                    batch.close()
                    batch = None
                if session is None or (session.failure is not None and not session.load_failed):
                    if session is not None:
                        session.close()
                    left = len(job.tests) - index
                    session = CallSession(zygote, program, limits, left, prelude=job.prelude)
                if base is None and test.kind == "assert":
                    try:
                        base = base_namespace(job.code_prefix, job.test_setup_code)
                    except Exception as err:  # dataset code that cannot run on its own
                        return _setup_failed(job, err)
                outcome, error = _call_test(job, test, session, base, config, cpu_limit)
            results.append((outcome, error))
            if budget.stop_after(outcome):
                break
    finally:
        if batch is not None:
            batch.close()
        if session is not None:
            session.close()
    return _judgement(job, results)


def _stdio_batch(
    job: Job, start: int, zygote: Zygote, program: bytes, config: JudgeConfig
) -> StdioBatch:
    """A batch of the job's stdio tests from ``start`` on, up to the next test of another kind
    (the batch ends before a call session starts)."""
    stdins = []
    for test in job.tests[start:]:
        if test.kind != "stdio":
            break
        stdins.append(test.stdin.encode())
    report_bytes = 4 * config.limits.output_limit_bytes
    return StdioBatch(zygote, program, stdins, config.limits, report_bytes)


def _setup_failed(job: Job, err: Exception) -> Judgement:
    """The problem's trusted setup code fails by itself (e.g. MBPP setup code that uses a
    class the solution defines): the judge cannot decide, which is not the program's fault."""
    message = f"test setup code raised {type(err).__name__}: {err}"[:500]
    return Judgement(
        problem_id=job.problem_id,
        sample_index=job.sample_index,
        verdict=Verdict.INFRA_ERROR,
        error=ErrorInfo("TestSetupFailed", message),
    )


def _call_test(
    job: Job,
    test: TestCase,
    session: CallSession,
    base: dict | None,
    config: JudgeConfig,
    cpu_limit_s: float,
) -> tuple[TestOutcome, ErrorInfo | None]:
    session.begin_test(cpu_limit_s)
    if session.load_failed and session.failure is not None:  # the same for every test
        failure = session.failure
        return TestOutcome(failure.verdict, detail=failure.detail), failure.error
    if test.kind == "assert":
        assert base is not None
        verdict, detail, error = run_assert_test(
            session, base, test.code, job.entry_point, config.limits.wall_s + 1
        )
    else:
        verdict, detail, error = _call_once(job, test, session, config)
    cpu, wall = session.test_times()
    return TestOutcome(verdict, cpu_time_s=cpu, wall_time_s=wall, detail=detail), error


def _call_once(
    job: Job, test: TestCase, session: CallSession, config: JudgeConfig
) -> tuple[Verdict, str, ErrorInfo | None]:
    if not job.entry_point:
        detail = "call test without an entry point"
        return Verdict.WRONG_ANSWER, detail, None
    try:
        value = session.call(job.entry_point, test.args, {})
    except CandidateFailure as failure:
        return failure.verdict, failure.detail, failure.error
    match = checker.apps_values_match if job.apps_values else checker.values_match
    if match(test.expected_return, value, abs_tol=config.abs_tol, rel_tol=config.rel_tol):
        return Verdict.PASSED, "", None
    return Verdict.WRONG_ANSWER, f"returned {str(value)[:200]}", None


def _stdio_verdict(
    run: StdioRun, test: TestCase, config: JudgeConfig
) -> tuple[Verdict, str, ErrorInfo | None]:
    limits = config.limits
    event = (run.report or {}).get("event")
    if run.ending.oom_killed:
        failure = memory_failure(limits)
        return failure.verdict, failure.detail, failure.error
    if run.timed_out:
        detail = f"time limit of {limits.cpu_time_s:g} s CPU exceeded"
        return Verdict.TIMEOUT, detail, ErrorInfo("Timeout", detail)
    if run.truncated:
        detail = f"output longer than {limits.output_limit_bytes} bytes"
        return Verdict.RUNTIME_ERROR, detail, ErrorInfo("OutputLimitExceeded", detail)
    if event == "error":
        failure = failure_of(error_from_report(run.report))
        return failure.verdict, failure.detail, failure.error
    if event == "garbage":
        detail = "the program broke the judge protocol"
        return Verdict.RUNTIME_ERROR, detail, ErrorInfo("ProtocolViolation", detail)
    ending = run.ending
    if ending.signal is not None or ending.exit_code != 0:
        how = (
            f"killed by signal {ending.signal}"
            if ending.signal
            else f"exit code {ending.exit_code}"
        )
        return Verdict.RUNTIME_ERROR, how, ErrorInfo("ProgramExited", how)
    actual = run.stdout.decode("utf-8", "replace")
    if checker.outputs_match(
        test.expected_stdout,
        actual,
        abs_tol=config.abs_tol,
        rel_tol=config.rel_tol,
        apps_compat=config.apps_compat,
    ):
        return Verdict.PASSED, "", None
    return Verdict.WRONG_ANSWER, "", None


def _judgement(job: Job, results: list[tuple[TestOutcome, ErrorInfo | None]]) -> Judgement:
    """The one verdict rule of `coderl.execution.verdicts`, over the tests that ran."""
    outcomes = tuple(outcome for outcome, _ in results)
    return Judgement(
        problem_id=job.problem_id,
        sample_index=job.sample_index,
        verdict=aggregate([o.verdict for o in outcomes]),
        tests=outcomes,
        error=first_error(results),
        cpu_time_s=sum(o.cpu_time_s for o in outcomes),
        wall_time_s=sum(o.wall_time_s for o in outcomes),
    )


def main() -> None:
    """Serve jobs from the judge until it closes the channel."""
    channel_in, channel_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):  # trusted test code that prints or reads must not touch the channel
        os.dup2(devnull, fd)
    reader = Reader(channel_in, _MAX_JOB_BYTES, decode=pickle.loads)
    config, uid = reader.read(timeout=60.0)
    zygote = Zygote(
        uid,
        config.limits,
        max_report_bytes=4 * config.limits.output_limit_bytes,
        max_processes=JVM_MIN_PROCESSES,
    )
    _send(channel_out, ("ready", zygote.features))
    while True:
        try:
            job = reader.read(timeout=3600.0)
        except TimeoutError:
            continue
        except EOFError:
            break
        try:
            result: Judgement | WorkerFault = judge_job(job, zygote, config)
        except ZygoteDied as err:
            _send(channel_out, WorkerFault(str(err)))
            sys.exit(1)
        except Exception as err:  # a bug of the judge: say so, then start afresh
            _send(channel_out, WorkerFault(f"judge error: {type(err).__name__}: {err}"))
            raise
        _send(channel_out, result)
    zygote.close()


def _send(fd: int, message: object) -> None:
    write_all(fd, frame(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)))
