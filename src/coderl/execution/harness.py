"""The child side: runs the untrusted program inside the sandbox and reports plain data.

Nothing it reports is believed: the judge reads stdout itself, decodes only JSON, compares
values on its side and treats a missing or malformed report as the program's failure. The
child never receives expected outputs or test code. File descriptors, set up by the zygote:
0 stdin, 1 stdout, 2 /dev/null, 3 commands from the judge, 4 reports to the judge.
"""

from __future__ import annotations

import builtins
import contextlib
import marshal
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from coderl.execution.protocol import (
    NotPlainData,
    decode_value,
    encode_value,
    receive,
    receive_frame,
    send,
)

COMMAND_FD, REPORT_FD = 3, 4
FILENAME = "<solution>"
MAX_COMMAND_BYTES = 1 << 28
_exit = os._exit  # bound now: the program may monkeypatch os


def serve(mode: str) -> NoReturn:
    """Receive the program (a code object the worker compiled, as marshal data), run it as
    ``mode`` ("stdio" or "calls"), then exit."""
    try:
        compiled = marshal.loads(receive_frame(COMMAND_FD, MAX_COMMAND_BYTES))
        if mode == "stdio":
            _run_stdio(compiled)
        else:
            _serve_calls(compiled)
    finally:
        _exit(0)


def prepare_streams() -> None:
    """Text streams on fds 0-2, made once in the zygote (never written there): each child
    gets them with empty buffers, on the fds the zygote laid out for it."""
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.argv = [FILENAME]


def _run_stdio(compiled: Any) -> None:
    """Run the program once as ``__main__``; sys.exit(0) at the end is a normal end."""
    stdout = sys.stdout
    try:
        exec(compiled, {"__name__": "__main__", "__builtins__": builtins})
    except SystemExit as stop:
        if stop.code not in (None, 0):
            _flush(stdout)
            send(REPORT_FD, {"event": "error", "error": _error(stop)})
            return
    except BaseException as err:  # the program's own fault, reported as data
        _flush(stdout)
        send(REPORT_FD, {"event": "error", "error": _error(err)})
        return
    _flush(stdout)
    send(REPORT_FD, {"event": "done"})


def _flush(*streams: Any) -> None:
    for stream in {id(s): s for s in (*streams, sys.stdout)}.values():
        with contextlib.suppress(OSError, ValueError, AttributeError):  # closed or replaced
            stream.flush()


def _serve_calls(compiled: Any) -> None:
    """Load the program once, then answer calls until told to exit."""
    scope: dict[str, Any] = {"__name__": "__solution__", "__builtins__": builtins}
    try:
        exec(compiled, scope)
    except BaseException as err:  # includes SystemExit: exiting is not passing
        send(REPORT_FD, {"event": "error", "error": _error(err)})
        return
    send(REPORT_FD, {"event": "loaded"})
    while True:
        command = receive(COMMAND_FD, MAX_COMMAND_BYTES)
        if command["op"] == "exit":
            return
        send(REPORT_FD, _call(scope, command["name"], command["args"], command["kwargs"]))


def _call(scope: dict[str, Any], name: str, args: list[Any], kwargs: dict[str, Any]) -> dict:
    try:
        function = _entry_point(scope, name)
        result = function(*decode_value(args), **decode_value(kwargs))
    except BaseException as err:  # the program's own fault, reported as data
        return {"raised": _error(err)}
    try:
        return {"ok": encode_value(result)}
    except NotPlainData as err:
        return {"not_plain": str(err)}
    except BaseException as err:  # e.g. MemoryError while encoding
        return {"raised": _error(err)}


def _entry_point(scope: dict[str, Any], name: str) -> Callable[..., Any]:
    """A top-level function, else a method of a fresh ``Solution()`` (LeetCode style)."""
    function = scope.get(name)
    if callable(function):
        return function
    solution = scope.get("Solution")
    if isinstance(solution, type) and callable(getattr(solution, name, None)):
        return getattr(solution(), name)
    raise NameError(f"name {name!r} is not defined")


def _error(err: BaseException) -> dict[str, Any]:
    try:
        message = str(err)
    except BaseException:  # a program's exception whose __str__ fails
        message = "<unprintable>"
    if isinstance(err, SystemExit):
        message = f"program exited (code {err.code!r})"
    line = None
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        if frame.f_code.co_filename == FILENAME:
            line = lineno
    return _info(type(err).__name__, message, line)


def _info(kind: str, message: str, line: int | None) -> dict[str, Any]:
    return {"type": str(kind)[:200], "message": message[:2000], "line": line}
