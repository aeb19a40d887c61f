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
_closerange = os.closerange

CALL_PRELUDE = """\
import bisect, collections, copy, functools, heapq, itertools, math, operator, random, re
import string, sys, time
from bisect import bisect, bisect_left, bisect_right, insort, insort_left, insort_right
from collections import ChainMap, Counter, OrderedDict, defaultdict, deque, namedtuple
from functools import cache, cmp_to_key, lru_cache, partial, reduce
from heapq import heapify, heappop, heappush, heappushpop, heapreplace, merge, nlargest, nsmallest
from itertools import accumulate, chain, combinations, combinations_with_replacement, count
from itertools import cycle, groupby, islice, permutations, product, repeat, starmap, zip_longest
from math import ceil, comb, factorial, floor, gcd, hypot, inf, log, log2, perm, sqrt
from typing import Any, Callable, DefaultDict, Deque, Dict, FrozenSet, Iterable, Iterator, List
from typing import Optional, Set, Tuple, Union
"""
"""The import header of call-based (APPS / LeetCode-style) programs, as the APPS harness that
published numbers come from gives them (minus numpy): starter code annotates with
``List[int]`` and uses ``deque`` or ``heappush`` without importing them. docs/judge.md."""
_PRELUDE: dict[str, Any] = {}
exec(compile(CALL_PRELUDE, "<prelude>", "exec"), _PRELUDE)  # once, in the zygote
del _PRELUDE["__builtins__"]


def serve(mode: str, prelude: bool = False) -> NoReturn:
    """Receive the program (a code object the worker compiled, as marshal data), run it as
    ``mode`` ("stdio" or "calls"; ``prelude``: in a scope holding `CALL_PRELUDE`'s names),
    then exit."""
    try:
        compiled = marshal.loads(receive_frame(COMMAND_FD, MAX_COMMAND_BYTES))
        if mode == "stdio":
            _run_stdio(compiled)
        else:
            _serve_calls(compiled, prelude)
    finally:
        # the worker sees the end of output and reports now, not after the kernel has torn
        # down this process's memory (exit closes files last)
        _closerange(0, COMMAND_FD + 2)
        _exit(0)


def prepare_streams() -> None:
    """Text streams on fds 0-2, made once in the zygote (never written there): each child
    gets them with empty buffers, on the fds the zygote laid out for it."""
    sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stdout = sys.__stdout__ = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stderr = sys.__stderr__ = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.argv = [FILENAME]


def _run_stdio(compiled: Any) -> None:
    """Run the program once as ``__main__``; sys.exit(0) at the end is a normal end. Its
    output is flushed as the interpreter would at exit, and a flush that fails (a closed
    stdout, a replaced one whose flush raises, unencodable text) is the program's error,
    as it would be for ``python program.py`` (exit status 120)."""
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
    try:
        _flush(stdout, strict=True)
    except BaseException as err:
        send(REPORT_FD, {"event": "error", "error": _error(err)})
        return
    send(REPORT_FD, {"event": "done"})


def _flush(*streams: Any, strict: bool = False) -> None:
    """Flush the harness's stdout and whatever the program made ``sys.stdout``. ``strict``:
    let a failure raise (the program ended normally); otherwise it already failed, and its
    own error is the one to report."""
    for stream in {id(s): s for s in (*streams, sys.stdout)}.values():
        if stream is None:  # as at interpreter exit: nothing to flush
            continue
        if strict:
            stream.flush()
            continue
        with contextlib.suppress(Exception):
            stream.flush()


def _serve_calls(compiled: Any, prelude: bool) -> None:
    """Load the program once, then answer calls until told to exit."""
    scope: dict[str, Any] = dict(_PRELUDE) if prelude else {}
    scope.update(__name__="__solution__", __builtins__=builtins)
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
