"""Judging C, C++ and Java programs: compile once in a fresh folder, then run each stdio test.

Everything runs through a worker's zygote (`Zygote.spawn` in ``exec`` mode), so compiled
programs get the same layers as Python ones (view, uid, namespaces, cgroups, subreaper) and
no judge thread ever forks. The build folder lives in the zygote's scratch dir; the worker
reaches it through ``/proc/<zygote>/root``. The compiler runs in the sandbox too (source
code can make a compiler read files, hang or eat memory). Only errors fail a compilation,
never warnings (PPOCoder's reference counted any stderr output as a failure). docs/checker.md
lists the flags and limits.
"""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import stat
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType
from typing import TYPE_CHECKING

from coderl.execution.checker import outputs_match
from coderl.execution.cleanup import remove_tree
from coderl.execution.harness import FILENAME
from coderl.execution.limits import JudgeConfig, Limits
from coderl.execution.pch import precompiled_dir
from coderl.execution.session import SandboxResult, run_exec
from coderl.execution.types import ErrorInfo, Judgement, Submission, TestOutcome, Verdict
from coderl.execution.verdicts import TestBudget, aggregate, first_error
from coderl.problems.types import TestCase

if TYPE_CHECKING:
    from coderl.execution.worker import Job
    from coderl.execution.zygote import Zygote

COMPILED_LANGUAGES = ("c", "cpp", "java")

# A JVM reserves address space far beyond its heap (code cache, class space, thread stacks), so
# the heap is limited by -Xmx and the address space only to the heap plus this overhead.
JVM_OVERHEAD_MB = 1536
JVM_MIN_PROCESSES = 64  # the JVM's own threads count against RLIMIT_NPROC
# glibc gives each thread a malloc arena reserving 64 MiB, up to 8 per core: two are plenty.
_JVM_ENV = {"MALLOC_ARENA_MAX": "2"}
_JVM_FLAGS = (
    "-XX:+UseSerialGC",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:CompressedClassSpaceSize=64m",
    "-XX:MaxMetaspaceSize=128m",
    "-XX:-UsePerfData",  # no hsperfdata files in /tmp
)
_JAVAC_HEAP_MB = 512

COMPILE_LIMITS = Limits(
    cpu_time_s=30.0,
    wall_time_s=30.0,
    memory_mb=1024,
    file_size_mb=64,
    max_processes=JVM_MIN_PROCESSES,
    output_limit_bytes=1 << 20,
)

_C_FAMILY = {"c": ("gcc", "c11", "main.c"), "cpp": ("g++", "c++17", "main.cpp")}
_PUBLIC_CLASS = re.compile(
    r"\bpublic\s+(?:(?:final|abstract|strictfp)\s+)*class\s+([A-Za-z_$][\w$]*)"
)
_CLASS = re.compile(r"\bclass\s+([A-Za-z_$][\w$]*)")
_MAIN_CONSTANTS = (b"\x00\x04main", b"\x00\x16([Ljava/lang/String;)V")
_DIAGNOSTIC = re.compile(r"^[^\s:]+:(\d+):(?:\d+:)? (?:fatal )?error: (.*)$", re.MULTILINE)
_JAVA_EXCEPTION = re.compile(r"Exception in thread \"[^\"]*\" ([\w.$]+)(?:: (.*))?")
_JAVA_FRAME = re.compile(r"\(\w+\.java:(\d+)\)")


@dataclass(frozen=True)
class CompileResult:
    """Whether a program compiles; on failure the compiler's first error and its line."""

    ok: bool
    message: str = ""
    line: int | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class _Build:
    """A compilation and what to run: the binary's path or the Java main class (in ``bin``)."""

    result: CompileResult
    target: str = ""


def compiles(code: str, language: str, timeout_s: float = 30.0) -> CompileResult:
    """Compile ``code`` as c, cpp or java (or byte-compile python) and discard the output.
    C++ reads the precompiled headers once they are built (`cpp_precompiled_dir`)."""
    if language == "python":
        return _python_compiles(code)
    if language not in _C_FAMILY and language != "java":
        raise ValueError(f"cannot compile {language!r}: expected python, c, cpp or java")
    from coderl.execution.sandbox import one_shot_zygote

    headers = cpp_precompiled_dir() if language == "cpp" else None
    with (
        one_shot_zygote(
            COMPILE_LIMITS,
            max_processes=JVM_MIN_PROCESSES,
            visible=(headers,) if headers else (),
        ) as zygote,
        _build_dir(zygote) as build_dir,
    ):
        return _build(code, language, zygote, build_dir, timeout_s, headers).result


def cpp_precompiled_dir(wait: bool = False) -> str | None:
    """The folder of headers precompiled for the judge's C++ flags (`coderl.execution.pch`),
    or None until it is built; the zygote that compiles must see it (``visible``)."""
    compiler, _, _ = _C_FAMILY["cpp"]
    return precompiled_dir(compiler, _c_flags("cpp"), wait=wait)


def judge_compiled(submission: Submission, config: JudgeConfig) -> Judgement:
    """Judge one C, C++ or Java submission on a judge of its own (convenience; a `Judge`
    judges many at once on its warm workers)."""
    from coderl.execution.judge import Judge

    with Judge(dataclasses.replace(config, workers=1)) as judge:
        return judge.run([submission])[0]


def judge_compiled_job(job: Job, zygote: Zygote, config: JudgeConfig) -> Judgement:
    """Compile the job's program, run its stdio tests, and decide the verdict (in a worker)."""
    tests = job.tests
    if any(test.kind != "stdio" for test in tests):
        message = f"problem {job.problem_id}: {job.language} programs have stdio tests only"
        error = ErrorInfo("UnsupportedTest", message)
        return Judgement(job.problem_id, job.sample_index, Verdict.INFRA_ERROR, error=error)
    started = time.monotonic()
    results: list[tuple[TestOutcome, ErrorInfo | None]] = []
    with _build_dir(zygote) as build_dir:
        build = _build(job.code, job.language, zygote, build_dir, COMPILE_LIMITS.wall_s)
        if not build.result.ok:
            return Judgement(
                job.problem_id,
                job.sample_index,
                Verdict.COMPILE_ERROR,
                error=ErrorInfo("CompileError", build.result.message, build.result.line),
                wall_time_s=time.monotonic() - started,
            )
        argv, limits, env = _run_command(job.language, build.target, build_dir, config.limits)
        budget = TestBudget(config.limits, job.all_outcomes, job.stop_at_first_failure)
        for test in tests:  # each run in a fresh, empty folder: no test sees another's files
            run_limits = dataclasses.replace(limits, cpu_time_s=budget.next_cpu_limit())
            result = run_exec(
                zygote,
                list(argv),
                test.stdin.encode(),
                run_limits,
                env=env,
                max_processes=limits.max_processes,
            )
            outcome, error = _decide(result, test, config, job.language, run_limits)
            results.append((outcome, error))
            if budget.stop_after(outcome):
                break
    outcomes = tuple(outcome for outcome, _ in results)
    return Judgement(
        job.problem_id,
        job.sample_index,
        aggregate([o.verdict for o in outcomes]),
        tests=outcomes,
        error=first_error(results),
        cpu_time_s=sum(o.cpu_time_s for o in outcomes),
        wall_time_s=time.monotonic() - started,
    )


@contextmanager
def _build_dir(zygote: Zygote) -> Iterator[str]:
    """A fresh folder for one program in the zygote's scratch dir (``src`` the compiler's,
    owned by the sandbox uid; ``bin`` what runs, the judge's), removed with all it holds."""
    path = f"{zygote.root}/build-{os.urandom(6).hex()}"
    host = zygote.host_path(path)
    os.mkdir(host, 0o711)  # sandbox uids may pass through to src and bin, not list
    os.chmod(host, 0o711)
    try:
        os.mkdir(f"{host}/src", 0o700)
        if zygote.uid is not None:
            os.chown(f"{host}/src", zygote.uid, zygote.uid)
        yield path
    finally:
        remove_tree(host)


def _build(
    code: str,
    language: str,
    zygote: Zygote,
    build_dir: str,
    timeout_s: float,
    headers: str | None = None,
) -> _Build:
    """Compile ``code`` in ``build_dir/src`` within ``timeout_s`` CPU seconds (the wall clock
    gets the usual backstop, `Limits.wall_s`: a loaded machine must not fail a program), and
    install what runs in ``build_dir/bin``. ``headers``: a folder of precompiled headers made
    with the same flags (C++), searched first; g++ ignores any that does not fit."""
    workdir = f"{build_dir}/src"
    limits = dataclasses.replace(COMPILE_LIMITS, cpu_time_s=timeout_s, wall_time_s=None)
    if language == "java":
        main_class = _java_public_class(code)
        source = f"{main_class or 'Main'}.java"
        java_flags = (*_JVM_FLAGS, f"-Xmx{_JAVAC_HEAP_MB}m", "-XX:TieredStopAtLevel=1")
        argv = ["javac", *(f"-J{f}" for f in java_flags), "-encoding", "UTF-8", "-nowarn"]
        argv += ["-d", ".", source]
        limits = _jvm_limits(limits, _JAVAC_HEAP_MB)
    elif language in _C_FAMILY:
        compiler, _, source = _C_FAMILY[language]
        include = [f"-I{headers}"] if headers and language == "cpp" else []
        argv = [compiler, *_c_flags(language), *include, "-pipe", "-o", "prog", source, "-lm"]
    else:
        raise ValueError(f"cannot compile {language!r}: expected python, c, cpp or java")
    host_src = zygote.host_path(workdir)
    with open(f"{host_src}/{source}", "x", encoding="utf-8") as out:
        out.write(code)
    started = time.monotonic()
    env = _JVM_ENV if language == "java" else None
    result = run_exec(
        zygote, argv, b"", limits, env=env, cwd=workdir, max_processes=limits.max_processes
    )
    seconds = _since(started)
    if result.timed_out or result.memory_exceeded or result.exit_code != 0:
        return _Build(CompileResult(False, *_compile_error(result, timeout_s), seconds))
    if language == "java":
        main_class = main_class or _java_main_class(code, host_src)
        if main_class is None:
            message = "no class has a main(String[]) method"
            return _Build(CompileResult(False, message, None, seconds))
    _install(host_src, zygote.host_path(f"{build_dir}/bin"))
    target = main_class if language == "java" else f"{build_dir}/bin/prog"
    return _Build(CompileResult(True, seconds=seconds), target)


def _c_flags(language: str) -> tuple[str, ...]:
    """The flags that decide what a C or C++ program means (precompiled headers must share
    them)."""
    return ("-O2", f"-std={_C_FAMILY[language][1]}")


def _install(workdir: str, bin_dir: str) -> None:
    """Copy the binary or class files to ``bin_dir``, owned by the judge and read-only to the
    program, so that no test run can change what the next one runs. The compiler's folder is
    the sandbox's: only regular files are read, and never through a symlink."""
    os.mkdir(bin_dir, 0o755)
    os.chmod(bin_dir, 0o755)
    for name in os.listdir(workdir):
        if name == "prog" or name.endswith(".class"):
            data = _read_regular(f"{workdir}/{name}")
            if data is None:
                continue
            fd = os.open(f"{bin_dir}/{name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o755)
            with open(fd, "wb") as out:
                out.write(data)
            os.chmod(f"{bin_dir}/{name}", 0o755)


def _read_regular(path: str) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with open(fd, "rb") as source:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return source.read()


def _compile_error(result: SandboxResult, timeout_s: float) -> tuple[str, int | None]:
    """The compiler's first error message and its line, or why the compiler was stopped."""
    if result.timed_out:
        return f"compilation took longer than {timeout_s:g} s", None
    if result.memory_exceeded:
        return "the compiler ran out of memory", None
    text = (result.stderr or result.stdout).decode("utf-8", "replace")
    match = _DIAGNOSTIC.search(text)
    if match:
        return match.group(2).strip(), int(match.group(1))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    error_lines = [line for line in lines if "error" in line.lower()]
    return (error_lines or lines or [f"compiler exited with {_describe_exit(result)}"])[0], None


def compile_python(code: str) -> tuple[CodeType | None, ErrorInfo | None]:
    """The program's code object, or its compile error. `compile()` parses and never runs
    the code; the judge's workers compile each submission once with it."""
    try:
        with warnings.catch_warnings():  # SyntaxWarnings are the program's business
            warnings.simplefilter("ignore")
            return compile(code, FILENAME, "exec", dont_inherit=True), None
    except (SyntaxError, ValueError) as err:  # ValueError: source holds a NUL byte
        message = getattr(err, "msg", None) or str(err)
        line = getattr(err, "lineno", None)
        return None, ErrorInfo(type(err).__name__, message[:2000], line)
    except (MemoryError, RecursionError) as err:  # nested too deeply for the compiler
        return None, ErrorInfo(type(err).__name__, "too complex to compile", None)


def _python_compiles(code: str) -> CompileResult:
    started = time.monotonic()
    _, error = compile_python(code)
    if error is not None:
        message = f"{error.type}: {error.message}"
        return CompileResult(False, message, error.line, _since(started))
    return CompileResult(True, seconds=_since(started))


def _java_public_class(code: str) -> str | None:
    match = _PUBLIC_CLASS.search(code)
    return match.group(1) if match else None


def _java_main_class(code: str, workdir: str) -> str | None:
    """The first top-level class, in source order, whose class file declares ``main``."""
    for name in dict.fromkeys(_CLASS.findall(code)):
        data = _read_regular(f"{workdir}/{name}.class")
        if data is not None and all(c in data for c in _MAIN_CONSTANTS):
            return name
    return None


def _run_command(
    language: str, target: str, build_dir: str, limits: Limits
) -> tuple[tuple[str, ...], Limits, dict[str, str] | None]:
    """The command line that runs a built program, its limits and extra environment."""
    if language != "java":
        return (target,), limits, None
    heap = f"-Xmx{limits.memory_mb}m"
    argv = ("java", "-Xss64m", *_JVM_FLAGS, heap, "-cp", f"{build_dir}/bin", target)
    return argv, _jvm_limits(limits, limits.memory_mb), _JVM_ENV


def _jvm_limits(limits: Limits, heap_mb: int) -> Limits:
    return dataclasses.replace(
        limits,
        memory_mb=heap_mb + JVM_OVERHEAD_MB,
        max_processes=max(limits.max_processes, JVM_MIN_PROCESSES),
    )


def _decide(
    result: SandboxResult, test: TestCase, config: JudgeConfig, language: str, limits: Limits
) -> tuple[TestOutcome, ErrorInfo | None]:
    """The verdict on one test run, and the error to report when the program failed."""
    times = {"cpu_time_s": result.cpu_time_s, "wall_time_s": result.wall_time_s}
    if result.memory_exceeded:
        detail = f"memory limit of {config.limits.memory_mb} MB exceeded"
        return TestOutcome(Verdict.MEMORY_LIMIT, detail=detail, **times), ErrorInfo(
            "MemoryLimitExceeded", detail
        )
    if result.timed_out:
        detail = f"time limit exceeded ({limits.cpu_time_s:g} s CPU, {limits.wall_s:g} s wall)"
        return TestOutcome(Verdict.TIMEOUT, detail=detail, **times), ErrorInfo("Timeout", detail)
    if result.output_truncated:  # checked before the exit status: the sandbox killed it
        detail = f"output longer than {config.limits.output_limit_bytes} bytes"
        return TestOutcome(Verdict.RUNTIME_ERROR, detail=detail, **times), ErrorInfo(
            "OutputLimitExceeded", detail
        )
    if result.signal is not None or result.exit_code != 0:
        error = _runtime_error(result, language)
        return TestOutcome(Verdict.RUNTIME_ERROR, detail=error.message, **times), error
    actual = result.stdout.decode("utf-8", "replace")
    tolerances = {"abs_tol": config.abs_tol, "rel_tol": config.rel_tol}
    if outputs_match(test.expected_stdout, actual, apps_compat=config.apps_compat, **tolerances):
        return TestOutcome(Verdict.PASSED, **times), None
    return TestOutcome(Verdict.WRONG_ANSWER, **times), None


def _runtime_error(result: SandboxResult, language: str) -> ErrorInfo:
    """What went wrong, from the exit status (and, for Java, the uncaught exception's trace)."""
    stderr = result.stderr.decode("utf-8", "replace")
    if language == "java" and (match := _JAVA_EXCEPTION.search(stderr)):
        frame = _JAVA_FRAME.search(stderr, match.end())
        message = (match.group(2) or "").strip()
        return ErrorInfo(match.group(1), message, int(frame.group(1)) if frame else None)
    said = " ".join(stderr.split())[-400:]  # the tail: C++'s "terminate called ... what()"
    message = _describe_exit(result) + (f": {said}" if said else "")
    kind = _signal_name(result.signal) if result.signal is not None else "NonZeroExit"
    return ErrorInfo(kind, message)


def _describe_exit(result: SandboxResult) -> str:
    if result.signal is not None:
        return f"killed by {_signal_name(result.signal)}"
    return f"exit code {result.exit_code}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:  # a real-time signal has no name
        return f"signal {number}"


def _since(started: float) -> float:
    return time.monotonic() - started
