"""Assert tests, evaluated on the judge's side with the candidate proxied into the sandbox.

The trusted test code (``test_setup_code``, then an MBPP ``assert f(x) == y`` line or
HumanEval's ``def check(candidate)``) runs in the worker, in a fresh namespace per test, where
the problem's ``code_prefix`` (trusted prompt code, e.g. HumanEval's helper ``poly``) is
defined and every name the test uses but does not define is a proxy: calling it sends the
arguments (plain data) to the child, which calls the real function and returns plain data.
The child never sees the test code or the expected values.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import importlib
import signal
import sys
from collections.abc import Iterator
from typing import Any

from coderl.execution.session import CallSession, CandidateFailure
from coderl.execution.types import ErrorInfo, Verdict

CHECK = "check"  # HumanEval's test defines check(candidate); we call it with the proxy


class TrustedTimeout(BaseException):
    """The test as a whole (trusted code plus calls) ran past its wall-clock backstop."""


class Proxy:
    """Stands for the candidate's function ``name`` in trusted test code."""

    def __init__(self, session: CallSession, name: str) -> None:
        self._session = session
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.call(self.__name__, args, kwargs)


@functools.lru_cache(maxsize=4096)
def compiled(source: str, label: str) -> Any:
    """Trusted code, compiled once per distinct source (many samples share a problem)."""
    return compile(source, label, "exec")


@functools.lru_cache(maxsize=4096)
def free_names(source: str) -> frozenset[str]:
    """Names the test code reads: candidates for proxies when nothing else defines them."""
    return frozenset(
        node.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
    )


def base_namespace(code_prefix: str, test_setup_code: str) -> dict[str, Any]:
    """The trusted scope every test of a problem starts from."""
    scope: dict[str, Any] = {"__name__": "__judge__", "__builtins__": builtins}
    for label, source in (("<prompt>", code_prefix), ("<test_setup>", test_setup_code)):
        if source.strip():
            exec(compiled(source, label), scope)
    return scope


def run_assert_test(
    session: CallSession, base: dict[str, Any], code: str, entry_point: str | None, wall_s: float
) -> tuple[Verdict, str, ErrorInfo | None]:
    """Evaluate one assert test; its verdict, a detail and the program's error if any."""
    scope = dict(base)
    for name in free_names(code):
        if name in scope or hasattr(builtins, name):
            continue
        if name in sys.stdlib_module_names:  # MBPP tests use modules the solution imported
            scope[name] = importlib.import_module(name)
        else:
            scope[name] = Proxy(session, name)
    if entry_point:
        scope[entry_point] = Proxy(session, entry_point)
    had_check = CHECK in scope
    try:
        with _deadline(wall_s):
            verdict, detail, error = _evaluate(scope, code, entry_point, had_check)
    except TrustedTimeout:
        session.close()
        return Verdict.TIMEOUT, "test exceeded its wall-clock limit", ErrorInfo("Timeout", "wall")
    if verdict is Verdict.PASSED and session.failure is not None:  # test code swallowed it
        failure = session.failure
        return failure.verdict, failure.detail, failure.error
    return verdict, detail, error


def _evaluate(
    scope: dict[str, Any], code: str, entry_point: str | None, had_check: bool
) -> tuple[Verdict, str, ErrorInfo | None]:
    try:
        exec(compiled(code, "<test>"), scope)
        check = scope.get(CHECK)
        if entry_point and not had_check and callable(check):
            check(scope[entry_point])
    except CandidateFailure as failure:
        return failure.verdict, failure.detail, failure.error
    except AssertionError as err:
        return Verdict.WRONG_ANSWER, f"assertion failed {err}".strip(), None
    except (Exception, SystemExit) as err:  # the test choked on what the candidate returned
        return Verdict.WRONG_ANSWER, f"test raised {type(err).__name__}: {err}"[:500], None
    return Verdict.PASSED, "", None


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise `TrustedTimeout` in this (main) thread after ``seconds``, repeating every 0.1 s
    in case test code swallows it with a bare ``except``."""

    def expire(signum: int, frame: Any) -> None:
        raise TrustedTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
