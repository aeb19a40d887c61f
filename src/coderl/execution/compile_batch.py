"""Compiling many programs at once (the compile reward's batches), each with the verdict it
gets compiled alone (`compiled.compiles`), at a fraction of the cost.

Alone, every program pays for a sandbox of its own (a fresh zygote, about 0.1 s), every C++
program for parsing ``<bits/stdc++.h>`` (1.6 CPU s) and every javac for starting a JVM
(0.5 s). A batch shares them:

- c, cpp: one zygote compiles the batch one program after another, each in a fresh build
  folder under its own limits, as alone (the same flags, link included: "compiles" means the
  judge could build it); C++ reads ``<bits/stdc++.h>`` and ``<iostream>`` precompiled
  (`coderl.execution.pch`).
- java: one javac run compiles the batch, each program in a package of its own (``package
  b<nonce>_<i>;`` put before its first line, so line numbers stay; the nonce is random, so no
  program can name another's classes). javac checks every file to the end despite errors
  (``should-stop.ifError=FLOW``) and names the file of each error: a program with an error
  fails, the others are compiled again without it (a run with errors writes no class file,
  and a program needs a class with ``main``). A run that ends otherwise (past its limit, out
  of memory, an error in no file) is split in halves, down to single programs compiled
  exactly as alone, so a program that breaks the batch changes no other's verdict. A program
  that declares a package of its own is compiled alone.
- python: one run in the zygote byte-compiles the batch (no interpreter starts), one output
  line per program; when the run is stopped at its limit, the programs before the one it was
  in are decided, that one is compiled alone under its own limit, the rest in a new run.

The build steps are `compiled`'s own (its private helpers: the same flags, limits and
checks as alone, by construction, not by copy), but for Python's, which must run inside
the sandbox's view, where coderl cannot be imported.

A batch's run has one program's limit (``timeout_s`` of CPU); past it, it is split, so
a program slower to compile than the limit is always judged alone, and fails. The one
difference from compiling alone: javac's JVM start is shared in a batch, so a Java program
within about half a second of the limit may pass in a batch and fail alone. (A Java batch
must therefore fit the limit: javac checks 64 XLCoST programs in about 1.3 CPU s.) A
result's ``seconds`` is its run's time shared out evenly over the run's programs.
"""

from __future__ import annotations

import dataclasses
import json
import marshal
import os
import re
import time
from collections.abc import Sequence

from coderl.execution import compiled
from coderl.execution.compiled import COMPILE_LIMITS, JVM_MIN_PROCESSES, CompileResult
from coderl.execution.harness import FILENAME
from coderl.execution.limits import Limits
from coderl.execution.session import run_exec, run_stdio
from coderl.execution.zygote import Zygote

LANGUAGES = ("python", "c", "cpp", "java")
_OWN_PACKAGE = re.compile(r"\bpackage\s+[\w$.]+\s*;")
_BATCH_ERROR = re.compile(r"^(b[0-9a-f]+_(\d+))/[^/\s]+\.java:(\d+): error: (.*)$", re.MULTILINE)

# Byte-compiles each JSON line [index, source] of stdin as `compiled.compile_python` does
# (that module cannot be imported inside the sandbox's view), one JSON line per program:
# [index, None] when it compiles, else [index, "Type: message", line].
_PYTHON_BATCH = f"""
import json, sys, warnings
for request in sys.stdin:
    index, code = json.loads(request)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, {FILENAME!r}, "exec", dont_inherit=True)
        answer = [index, None, None]
    except (SyntaxError, ValueError) as err:
        message = (getattr(err, "msg", None) or str(err))[:2000]
        answer = [index, type(err).__name__ + ": " + message, getattr(err, "lineno", None)]
    except (MemoryError, RecursionError) as err:
        answer = [index, type(err).__name__ + ": too complex to compile", None]
    print(json.dumps(answer), flush=True)
"""


def compile_batch(codes: Sequence[str], language: str, timeout_s: float) -> list[CompileResult]:
    """Each program's compile result, in order, compiled in one sandbox (see the module
    docstring); raises what the sandbox raises when it fails (OSError, ZygoteDied)."""
    if language not in LANGUAGES:
        raise ValueError(f"cannot compile {language!r}: expected one of {', '.join(LANGUAGES)}")
    if not codes:
        return []
    from coderl.execution.sandbox import one_shot_zygote

    headers = compiled.cpp_precompiled_dir() if language == "cpp" else None
    visible = (headers,) if headers else ()
    with one_shot_zygote(
        COMPILE_LIMITS, max_processes=JVM_MIN_PROCESSES, visible=visible
    ) as zygote:
        if language == "python":
            return _python(list(codes), zygote, timeout_s)
        if language == "java":
            results: dict[int, CompileResult] = {}
            alone = [i for i, code in enumerate(codes) if _OWN_PACKAGE.search(code)]
            for i in alone:
                results[i] = _alone(codes[i], language, zygote, timeout_s)
            batch = [i for i in range(len(codes)) if i not in results]
            results.update(_java(codes, batch, zygote, timeout_s))
            return [results[i] for i in range(len(codes))]
        return [_alone(code, language, zygote, timeout_s, headers) for code in codes]


def _alone(
    code: str, language: str, zygote: Zygote, timeout_s: float, headers: str | None = None
) -> CompileResult:
    """One program compiled as `compiled.compiles` does, in this zygote."""
    with compiled._build_dir(zygote) as build_dir:
        return compiled._build(code, language, zygote, build_dir, timeout_s, headers).result


def _limits(timeout_s: float) -> Limits:
    """The compile limits with ``timeout_s`` CPU seconds and the wall backstop, as alone."""
    return dataclasses.replace(COMPILE_LIMITS, cpu_time_s=timeout_s, wall_time_s=None)


def _python(codes: list[str], zygote: Zygote, timeout_s: float) -> list[CompileResult]:
    program = marshal.dumps(compile(_PYTHON_BATCH, "<compile-batch>", "exec"))
    results: dict[int, CompileResult] = {}
    pending = list(range(len(codes)))
    single = False  # the next run holds only the program the last one was stopped in
    while pending:
        batch = pending[:1] if single else pending
        stdin = "".join(json.dumps([i, codes[i]]) + "\n" for i in batch).encode()
        started = time.monotonic()
        run = run_stdio(zygote, program, stdin, _limits(timeout_s))
        seconds = (time.monotonic() - started) / len(batch)
        for line in run.stdout.decode("utf-8", "replace").splitlines():
            try:
                index, message, where = json.loads(line)
            except ValueError:
                break  # the last line, cut short when the run was stopped
            results[index] = CompileResult(message is None, message or "", where, seconds)
        undecided = [i for i in batch if i not in results]
        if single and undecided:  # alone, and stopped before it answered: its own doing
            why = "the compiler ran out of memory or crashed"
            if run.timed_out:
                why = f"compilation took longer than {timeout_s:g} s"
            results[batch[0]] = CompileResult(False, why, None, seconds)
        single = not single and bool(undecided)  # next: the program the run stopped in
        pending = [i for i in pending if i not in results]
    return [results[i] for i in range(len(codes))]


def _java(
    codes: Sequence[str], batch: list[int], zygote: Zygote, timeout_s: float
) -> dict[int, CompileResult]:
    """Results of ``batch`` (indices into ``codes``) from javac runs on as many at once as
    can be decided together."""
    if not batch:
        return {}
    if len(batch) == 1:
        return {batch[0]: _alone(codes[batch[0]], "java", zygote, timeout_s)}
    with compiled._build_dir(zygote) as build_dir:
        decided, errors_only = _javac(codes, batch, zygote, build_dir, timeout_s)
    if decided is None:  # the run failed as a whole: no program is to blame yet
        half = len(batch) // 2
        return {
            **_java(codes, batch[:half], zygote, timeout_s),
            **_java(codes, batch[half:], zygote, timeout_s),
        }
    if errors_only:  # the clean programs again, to have their class files
        rest = [i for i in batch if i not in decided]
        return {**decided, **_java(codes, rest, zygote, timeout_s)}
    return decided


def _javac(
    codes: Sequence[str], batch: list[int], zygote: Zygote, build_dir: str, timeout_s: float
) -> tuple[dict[int, CompileResult] | None, bool]:
    """One javac run on ``batch``: (results it decides, whether the run had errors); None
    when it ended in a way that names no program (then nothing is decided)."""
    workdir = f"{build_dir}/src"
    host_src = zygote.host_path(workdir)
    nonce = os.urandom(6).hex()
    sources: dict[str, tuple[int, str | None]] = {}  # package -> (index, its public class)
    for i in batch:
        package = f"b{nonce}_{i}"
        public = compiled._java_public_class(codes[i])
        os.mkdir(f"{host_src}/{package}", 0o755)
        if zygote.uid is not None:
            os.chown(f"{host_src}/{package}", zygote.uid, zygote.uid)
        with open(f"{host_src}/{package}/{public or 'Main'}.java", "x", encoding="utf-8") as out:
            out.write(f"package {package}; {codes[i]}")
        sources[package] = (i, public)
    heap = compiled._JAVAC_HEAP_MB
    flags = (*compiled._JVM_FLAGS, f"-Xmx{heap}m", "-XX:TieredStopAtLevel=1")
    argv = ["javac", *(f"-J{f}" for f in flags), "-encoding", "UTF-8", "-nowarn"]
    argv += ["-Xmaxerrs", "100000", "-XDshould-stop.ifError=FLOW", "-d", "."]
    argv += [f"{p}/{public or 'Main'}.java" for p, (_, public) in sources.items()]
    limits = compiled._jvm_limits(_limits(timeout_s), heap)
    started = time.monotonic()
    result = run_exec(
        zygote,
        argv,
        b"",
        limits,
        env=compiled._JVM_ENV,
        cwd=workdir,
        max_processes=limits.max_processes,
    )
    seconds = (time.monotonic() - started) / len(batch)
    if result.timed_out or result.memory_exceeded or result.exit_code not in (0, 1):
        return None, False
    if result.exit_code == 1:
        errors: dict[int, CompileResult] = {}
        text = result.stderr.decode("utf-8", "replace") + result.stdout.decode("utf-8", "replace")
        for match in _BATCH_ERROR.finditer(text):
            if match.group(1) in sources:
                index = sources[match.group(1)][0]
                failed = CompileResult(False, match.group(4).strip(), int(match.group(3)), seconds)
                errors.setdefault(index, failed)
        return (errors, True) if errors else (None, False)
    decided = {}
    for package, (index, public) in sources.items():
        main_class = public or compiled._java_main_class(codes[index], f"{host_src}/{package}")
        if main_class is None:
            message = "no class has a main(String[]) method"
            decided[index] = CompileResult(False, message, None, seconds)
        else:
            decided[index] = CompileResult(True, seconds=seconds)
    return decided, False
