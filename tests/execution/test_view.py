"""The filesystem view: a folder of the interpreter that lives under the host's /tmp (a
virtualenv made in a CI clone there) is left out, without breaking the view."""

from __future__ import annotations

import os
import tempfile

import pytest

from coderl.execution import isolation


@pytest.mark.skipif(not isolation.PRIVILEGED, reason="the view needs root")
def test_a_visible_folder_under_tmp_is_left_out_and_the_view_still_builds():
    folder = tempfile.mkdtemp(dir="/tmp")
    marker = os.path.join(folder, "marker")
    open(marker, "w").close()
    pid = os.fork()
    if pid == 0:  # the child builds the view, as a zygote does, and reports by exit code
        code = 1
        try:
            built = isolation.private_view([folder, "/usr"], scratch_mb=8)
            seen = os.path.exists(marker)
            code = 0 if built and not seen and os.path.isdir("/usr/lib") else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    os.remove(marker)
    os.rmdir(folder)
    assert os.waitstatus_to_exitcode(status) == 0
