"""What crosses the sandbox boundary: length-prefixed JSON messages carrying plain data.

Only JSON is ever decoded from the untrusted child, so it cannot make the judge build
objects of its choosing. Plain values keep the Python types tests compare with (a tuple is
not a list to ``assert f(x) == (1, 2)``): containers and scalars are tagged as one-key JSON
objects, and every decoded value is an exact builtin type.
"""

from __future__ import annotations

import base64
import json
import math
import os
import select
import struct
import time
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

_HEADER = struct.Struct(">I")
_PIPE_BUF = 4096
MAX_DEPTH = 100
_DICTS = (dict, OrderedDict, defaultdict, Counter)
_BUILTIN_TYPES = {
    t.__name__: t
    for t in (bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset)
}  # MBPP passes types as arguments: remove_datatype(values, int)


class NotPlainData(Exception):
    """A value that is not plain data (an object, a function, a self-containing list)."""


class ProtocolViolation(Exception):
    """A malformed message: from the child it is the program's fault, from a worker the
    judge's."""


def encode_value(value: Any, depth: int = 0) -> Any:
    """A JSON-able form of a plain value; `NotPlainData` for anything else."""
    if depth > MAX_DEPTH:
        raise NotPlainData(f"nested deeper than {MAX_DEPTH}")
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"F": repr(value)}
    if kind is list:
        return [encode_value(v, depth + 1) for v in value]
    if kind is tuple:
        return {"T": [encode_value(v, depth + 1) for v in value]}
    if kind in _DICTS:
        return {
            "D": [
                [encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in value.items()
            ]
        }
    if kind is set or kind is frozenset:
        return {"S" if kind is set else "Z": [encode_value(v, depth + 1) for v in value]}
    if kind is bytes:
        return {"B": base64.b64encode(value).decode()}
    if kind is complex:
        return {"C": [encode_value(value.real), encode_value(value.imag)]}
    if kind is type and _BUILTIN_TYPES.get(value.__name__) is value:
        return {"Y": value.__name__}
    raise NotPlainData(f"{kind.__module__}.{kind.__qualname__}")


def decode_value(data: Any, depth: int = 0) -> Any:
    """The inverse of `encode_value`; `ProtocolViolation` for anything it cannot produce."""
    if depth > MAX_DEPTH:
        raise ProtocolViolation(f"value nested deeper than {MAX_DEPTH}")
    kind = type(data)
    if data is None or kind in (bool, str, int, float):
        return data
    if kind is list:
        return [decode_value(v, depth + 1) for v in data]
    if kind is not dict or len(data) != 1:
        raise ProtocolViolation(f"not an encoded value: {str(data)[:80]}")
    ((tag, body),) = data.items()
    try:
        if tag == "F" and body in ("inf", "-inf", "nan"):
            return float(body)
        if tag == "Y" and body in _BUILTIN_TYPES:
            return _BUILTIN_TYPES[body]
        if tag == "B" and type(body) is str:
            return base64.b64decode(body, validate=True)
        if type(body) is not list:
            raise ProtocolViolation(f"tag {tag!r} needs a list")
        items = [decode_value(v, depth + 1) for v in body]
        if tag == "T":
            return tuple(items)
        if tag == "S":
            return set(items)
        if tag == "Z":
            return frozenset(items)
        if tag == "D" and all(type(p) is list and len(p) == 2 for p in items):
            return dict(items)
        if tag == "C" and len(items) == 2 and all(type(v) in (int, float) for v in items):
            return complex(*items)
    except (TypeError, ValueError) as err:  # unhashable members, bad base64
        raise ProtocolViolation(f"bad {tag!r} value: {err}") from None
    raise ProtocolViolation(f"unknown tag {tag!r}")


# Built once: json.dumps with options builds a new encoder per call, and in a freshly forked
# child every object touched costs a page copy.
_ENCODER = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


def pack(message: Any) -> bytes:
    body = _ENCODER.encode(message).encode()
    return _HEADER.pack(len(body)) + body


def write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write everything; with a deadline, `TimeoutError` rather than block on a stuck reader."""
    view = memoryview(data)
    while view:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise TimeoutError("peer does not read")
        # a pipe that select() calls writable takes PIPE_BUF bytes without blocking
        view = view[os.write(fd, view[:_PIPE_BUF] if deadline is not None else view) :]


def send(fd: int, message: Any, deadline: float | None = None) -> None:
    write_all(fd, pack(message), deadline)


def _read_exact(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            raise EOFError("peer closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive_frame(fd: int, max_bytes: int) -> bytes:
    """Blocking read of one frame's body (used where the peer is trusted to answer)."""
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
    if size > max_bytes:
        raise ProtocolViolation(f"message of {size} bytes exceeds {max_bytes}")
    return _read_exact(fd, size)


def receive(fd: int, max_bytes: int) -> Any:
    """Blocking read of one JSON message (used where the peer is trusted to answer)."""
    return _loads(receive_frame(fd, max_bytes))


def _loads(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as err:
        raise ProtocolViolation(f"not JSON: {err}") from None


def frame(body: bytes) -> bytes:
    return _HEADER.pack(len(body)) + body


def frame_header(size: int) -> bytes:
    """The header of a frame of ``size`` bytes (whose body is sent another way)."""
    return _HEADER.pack(size)


class Reader:
    """Reads messages from a peer without ever blocking past a deadline; ``decode`` turns a
    message body into a value (JSON by default: the only choice for untrusted peers)."""

    def __init__(self, fd: int, max_bytes: int, decode: Callable[[bytes], Any] | None = None):
        self.fd = fd
        self.max_bytes = max_bytes
        self._decode = decode or _loads
        self._buffer = bytearray()

    def read(self, timeout: float) -> Any:
        """The next message; `TimeoutError` after ``timeout`` seconds, `EOFError` at the end."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.take()
            if message is not None:
                return message[0]
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise TimeoutError("no message in time")
            if not self.pump():
                raise EOFError("peer closed the pipe")

    def pump(self) -> bool:
        """Read what is available (call when select says readable); False at end of file."""
        chunk = os.read(self.fd, 1 << 16)
        self._buffer += chunk
        return bool(chunk)

    def feed(self, data: bytes) -> None:
        """Add bytes read elsewhere (a file the peer wrote)."""
        self._buffer += data

    def take(self) -> tuple[Any] | None:
        """The next complete message, as a 1-tuple, or None."""
        if len(self._buffer) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self._buffer)
        if size > self.max_bytes:
            raise ProtocolViolation(f"message of {size} bytes exceeds {self.max_bytes}")
        end = _HEADER.size + size
        if len(self._buffer) < end:
            return None
        body = bytes(self._buffer[_HEADER.size : end])
        del self._buffer[:end]
        return (self._decode(body),)
