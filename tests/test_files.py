"""Outputs checked before the work, written whole (`coderl.files`)."""

import os

import pytest

from coderl.errors import CoderlError
from coderl.files import check_output_dir, check_output_file, open_atomic, write_atomic


def test_an_interrupted_write_leaves_the_old_file_and_no_temp(tmp_path):
    path = tmp_path / "out.jsonl"
    write_atomic(path, "old\n")
    with pytest.raises(KeyboardInterrupt), open_atomic(path) as out:
        out.write("half of the new")
        raise KeyboardInterrupt
    assert path.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["out.jsonl"]
    write_atomic(path, b"new\n")
    assert path.read_bytes() == b"new\n"
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_output_file_checks(tmp_path):
    samples = tmp_path / "samples.jsonl"
    samples.write_text("{}\n")
    inputs = {"--samples": samples}
    with pytest.raises(CoderlError, match="is the --samples input"):
        check_output_file(tmp_path / "." / "samples.jsonl", "--out", inputs)
    with pytest.raises(CoderlError, match="is a folder"):
        check_output_file(tmp_path, "--out")
    with pytest.raises(CoderlError, match=r"samples\.jsonl is a file, not a folder"):
        check_output_file(samples / "deeper" / "out.jsonl", "--out")
    with pytest.raises(CoderlError, match="exists; pass --overwrite"):
        check_output_file(samples, "--out", overwrite=False)
    assert check_output_file(tmp_path / "new" / "dir" / "out.jsonl", "--out").name == "out.jsonl"
    assert not (tmp_path / "new").exists()  # checking creates nothing


def test_output_dir_checks(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(CoderlError, match="is not empty; pass --overwrite"):
        check_output_dir(tmp_path / "full", "--out", overwrite=False)
    assert check_output_dir(tmp_path / "full", "--out", overwrite=True)
    with pytest.raises(CoderlError, match="is a file; give a folder"):
        check_output_dir(tmp_path / "full" / "x", "--out")
