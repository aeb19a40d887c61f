from __future__ import annotations

import math
import os
from collections import Counter

import pytest

from coderl.execution.protocol import (
    NotPlainData,
    ProtocolViolation,
    Reader,
    decode_value,
    encode_value,
    pack,
)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        10**40,
        1.5,
        "s",
        [1, (2, 3)],
        {1: "a", (1, 2): [3]},
        {1, 2},
        frozenset({"a"}),
        b"\x00\xff",
        1 + 2j,
        (),
        [[[]]],
    ],
)
def test_plain_values_round_trip_with_their_types(value):
    decoded = decode_value(encode_value(value))
    assert decoded == value and type(decoded) is type(value)


def test_non_finite_floats_round_trip():
    assert decode_value(encode_value(float("inf"))) == math.inf
    assert math.isnan(decode_value(encode_value(float("nan"))))


def test_counter_is_sent_as_a_plain_dict():
    assert type(decode_value(encode_value(Counter("aab")))) is dict


@pytest.mark.parametrize("value", [object(), [lambda: 1], type("Int", (int,), {})(3)])
def test_objects_and_subclasses_are_not_plain(value):
    with pytest.raises(NotPlainData):
        encode_value(value)


def test_self_containing_list_is_not_plain():
    loop: list = []
    loop.append(loop)
    with pytest.raises(NotPlainData):
        encode_value(loop)


@pytest.mark.parametrize("data", [{"X": []}, {"a": 1, "b": 2}, {"S": [[1]]}, {"D": [[1]]}])
def test_malformed_values_are_violations(data):
    with pytest.raises(ProtocolViolation):
        decode_value(data)


def test_reader_rejects_oversized_and_garbage_messages():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, pack({"ok": 1}) + b"\x00\x00\x00\x03abc")
    reader = Reader(read_fd, max_bytes=100)
    assert reader.read(1.0) == {"ok": 1}
    with pytest.raises(ProtocolViolation):
        reader.read(1.0)
    os.write(write_fd, b"\xff\xff\xff\xff")
    with pytest.raises(ProtocolViolation):
        Reader(read_fd, max_bytes=100).read(1.0)
    os.close(write_fd)
    with pytest.raises(EOFError):
        Reader(read_fd, max_bytes=100).read(1.0)
    os.close(read_fd)
