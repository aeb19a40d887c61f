"""remove_tree: removes what a program left, never follows its symlinks, never recurses."""

from __future__ import annotations

import os
import stat

from coderl.execution.cleanup import remove_tree


def _mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_symlinks_are_removed_not_followed(tmp_path):
    target = tmp_path / "host"
    (target / "sub").mkdir(parents=True)
    (target / "keep.txt").write_text("precious")
    target.chmod(0o751)
    tree = tmp_path / "work"
    (tree / "a").mkdir(parents=True)
    (tree / "link-dir").symlink_to(target)
    (tree / "a" / "link-file").symlink_to(target / "keep.txt")
    (tree / "a" / "locked").mkdir(mode=0o000)
    assert remove_tree(str(tree))
    assert not tree.exists()
    assert (target / "keep.txt").read_text() == "precious"
    assert (target / "sub").is_dir() and _mode(target) == 0o751


def test_a_symlink_given_as_the_tree_is_unlinked(tmp_path):
    target = tmp_path / "host"
    (target / "inside").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(target)
    assert remove_tree(str(link))
    assert not os.path.lexists(link) and (target / "inside").is_dir()


def test_deep_trees_do_not_recurse(tmp_path):
    depth = 5000  # far deeper than Python's recursion limit and PATH_MAX
    fd = os.open(tmp_path, os.O_RDONLY)
    os.mkdir("deep", dir_fd=fd)
    for _ in range(depth):
        child = os.open("deep", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
        os.mkdir("deep", dir_fd=fd)
        with open(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as out:
            out.write("x")
    os.close(fd)
    assert remove_tree(str(tmp_path / "deep"))
    assert os.listdir(tmp_path) == []


def test_missing_and_plain_files(tmp_path):
    assert remove_tree(str(tmp_path / "nothing"))
    (tmp_path / "file").write_text("x")
    assert remove_tree(str(tmp_path / "file")) and not (tmp_path / "file").exists()
