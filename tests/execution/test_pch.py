"""Precompiled headers with the real g++: built once per compiler and flags, used by g++ for
a program whose first include they are, ignored (not an error) under other flags."""

from __future__ import annotations

import subprocess
from pathlib import Path

from coderl.execution.pch import precompiled_dir

FLAGS = ("-O2", "-std=c++17")
PROGRAM = '#include <cstdio>\nint main() { std::printf("%d\\n", 1); }\n'


def _headers_read(tmp_path: Path, folder: str, *flags: str) -> str:
    source = tmp_path / "main.cpp"
    source.write_text(PROGRAM)
    done = subprocess.run(
        ["g++", *flags, f"-I{folder}", "-H", "-o", str(tmp_path / "prog"), str(source)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr  # -H: "! PATH" for a precompiled header used, ". PATH" for a header read


def test_headers_are_built_once_and_used_with_the_same_flags(tmp_path: Path) -> None:
    folder = precompiled_dir("g++", FLAGS, headers=("cstdio",), root=tmp_path, wait=True)
    assert folder is not None
    gch = Path(folder) / "cstdio.gch"
    assert gch.is_file() and gch.stat().st_mode & 0o004  # readable by the sandbox's uid
    built = gch.stat().st_mtime_ns
    again = precompiled_dir("g++", FLAGS, headers=("cstdio",), root=tmp_path, wait=True)
    assert again == folder and gch.stat().st_mtime_ns == built
    assert f"! {gch}" in _headers_read(tmp_path, folder, *FLAGS)
    # other flags: g++ reads the header itself, and the program still compiles
    assert f"! {gch}" not in _headers_read(tmp_path, folder, "-O0", "-std=c++17")


def test_other_flags_get_a_folder_of_their_own(tmp_path: Path) -> None:
    first = precompiled_dir("g++", FLAGS, headers=("cstdio",), root=tmp_path, wait=True)
    other = precompiled_dir("g++", ("-O0",), headers=("cstdio",), root=tmp_path, wait=True)
    assert first is not None and other is not None and first != other


def test_no_compiler_means_no_precompiled_headers(tmp_path: Path) -> None:
    assert precompiled_dir("no-such-g++", FLAGS, root=tmp_path, wait=True) is None
