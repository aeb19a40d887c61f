"""Output files that never lose data: checked before the work starts, written atomically.

A command checks every output path before it loads a model or judges a program
(`check_output_file`, `check_output_dir`), so that a bad path costs nothing; then writes each
file through a temporary file in the same folder and `os.replace`, so that an interrupted
write leaves the old file (or none), never half of one. ``label`` is what the user typed to
name the path (``--out``), so that the error says which option to change.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from coderl.errors import CoderlError

Inputs = Mapping[str, "str | Path | None"]  # label of an input (e.g. "--samples") -> its path


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` all at once: a reader sees the old file or the new one."""
    with open_atomic(path, "wb" if isinstance(data, bytes) else "w") as out:
        out.write(data)
    return Path(path)


@contextlib.contextmanager
def open_atomic(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """A file to write whose content replaces ``path`` only when the block ends normally."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_output_file(
    path: str | Path, label: str, inputs: Inputs | None = None, *, overwrite: bool = True
) -> Path:
    """``path`` as a file the command may write, or a `CoderlError` saying why not.

    Refused: a folder, a path under a file, a folder that cannot be written, a path equal to
    one of ``inputs``, and (unless ``overwrite``) an existing file."""
    path = Path(path)
    _check_not_an_input(path, label, inputs)
    if path.is_dir():
        raise CoderlError(f"{label} {path}: is a folder; give a file path")
    if path.exists() and not overwrite:
        raise CoderlError(
            f"{label} {path}: exists; pass --overwrite to replace it, or choose another path"
        )
    _check_writable_folder(path.parent, label, path)
    return path


def check_output_dir(
    path: str | Path, label: str, inputs: Inputs | None = None, *, overwrite: bool = True
) -> Path:
    """``path`` as a folder the command may write into (created later, when missing).

    Refused: a file, a path under a file, an unwritable place, a folder that is one of
    ``inputs``, and (unless ``overwrite``) an existing non-empty folder."""
    path = Path(path)
    _check_not_an_input(path, label, inputs)
    if path.exists() and not path.is_dir():
        raise CoderlError(f"{label} {path}: is a file; give a folder path")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise CoderlError(
            f"{label} {path}: is not empty; pass --overwrite to write into it, "
            "or choose another folder"
        )
    _check_writable_folder(path, label, path)
    return path


def _check_not_an_input(path: Path, label: str, inputs: Inputs | None) -> None:
    for input_label, input_path in (inputs or {}).items():
        if input_path is not None and _same(path, Path(input_path)):
            raise CoderlError(
                f"{label} {path}: is the {input_label} input; writing it would destroy it, "
                "choose another path"
            )


def _check_writable_folder(folder: Path, label: str, path: Path) -> None:
    """The nearest existing ancestor of ``folder`` must be a folder we can create files in
    (tried for real: permission bits say nothing to root or on a read-only mount)."""
    existing = folder
    while not existing.exists():
        if existing.is_symlink():
            raise CoderlError(f"{label} {path}: {existing} is a broken link")
        existing = existing.parent
    if not existing.is_dir():
        raise CoderlError(f"{label} {path}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as err:
        raise CoderlError(
            f"{label} {path}: cannot write in {existing} ({err.strerror.lower()})"
        ) from None


def _same(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()
