"""Reading dataset rows (JSONL, gzipped JSONL, parquet) with the position of each row.

Policy, the same for every loader: a line that is not a JSON object makes the whole file
unusable and raises `DataError` naming ``file:line`` (a corrupt file should be fixed, not
half-loaded); a well-formed row whose fields do not make a usable problem becomes a
`SkippedRow` at ``file:line``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from coderl.errors import DataError

Row = tuple[str, dict[str, Any]]  # ("file:line" or "file:row N", the row's fields)


def require_path(name: str, path: str | None) -> Path:
    """The existing file or folder a loader was given, or a `DataError` that says how."""
    if path is None:
        raise DataError(f"{name} needs a path: use {name}:PATH (a file or folder of the dataset)")
    found = Path(path)
    if not found.exists():
        raise DataError(f"{name}: {path} does not exist (the PATH in {name}:PATH)")
    return found


def read_rows(path: Path) -> Iterator[Row]:
    """Rows of a ``.jsonl``, ``.jsonl.gz`` or ``.parquet`` file, in file order."""
    if path.suffix == ".parquet":
        yield from _read_parquet(path)
    else:
        yield from read_jsonl(path)


def read_jsonl(path: Path) -> Iterator[Row]:
    """Rows of a JSONL file (gzipped when its name ends in ``.gz``); blank lines are ignored."""
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give the JSONL file")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataError(f"{where}: not UTF-8 text (byte {err.start + 1})") from None
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{where}: not valid JSON ({err.msg}, column {err.colno})") from err
            if not isinstance(data, dict):
                raise DataError(f"{where}: expected a JSON object, got {type(data).__name__}")
            yield where, data


def _read_parquet(path: Path) -> Iterator[Row]:
    try:
        import pyarrow.parquet as pq
    except ModuleNotFoundError as err:
        raise DataError(
            f"{path}: reading parquet needs pyarrow: pip install 'coderl[parquet]'"
        ) from err
    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(f"{path}: not a readable parquet file ({err})") from err
    for number, data in enumerate(table.to_pylist()):
        yield f"{path}:row {number}", data


def parse_json_field(row: dict[str, Any], key: str, default: Any) -> Any:
    """A field that Hugging Face copies store as a JSON string (APPS ``input_output``).

    Raises ``ValueError`` naming the field when the string is not JSON; an empty string or a
    missing field gives ``default``.
    """
    value = row.get(key)
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as err:
        raise ValueError(f"field {key!r} is not valid JSON ({err.msg})") from err
