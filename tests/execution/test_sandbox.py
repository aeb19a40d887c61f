"""run_sandboxed: the isolation primitive for any argv (used for compiled programs)."""

from __future__ import annotations

import os
import time

import pytest

from coderl.execution import isolation
from coderl.execution.sandbox import run_sandboxed

from .conftest import FAST_LIMITS, leftover_processes

pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/python3", os.X_OK), reason="needs a system python3"
)

# The judge's own interpreter may live where the sandbox uid cannot read (/root/.pyenv).
PY = ["/usr/bin/python3", "-S", "-c"]


def test_stdin_to_stdout_and_stderr():
    result = run_sandboxed(["/bin/sh", "-c", "cat; echo oops >&2; exit 3"], b"hi\n", FAST_LIMITS)
    assert (result.stdout, result.stderr, result.exit_code) == (b"hi\n", b"oops\n", 3)
    assert not result.timed_out and result.signal is None


def test_cpu_limit_is_a_timeout():
    result = run_sandboxed([*PY, "while True: pass"], b"", FAST_LIMITS)
    assert result.timed_out and result.exit_code is None


def test_sleeping_hits_the_wall_backstop():
    start = time.monotonic()
    result = run_sandboxed([*PY, "import time; time.sleep(60)"], b"", FAST_LIMITS)
    assert result.timed_out and time.monotonic() - start < FAST_LIMITS.wall_s + 2


def test_memory_limit():
    result = run_sandboxed([*PY, "x = bytearray(2 << 30)"], b"", FAST_LIMITS)
    assert result.memory_exceeded and result.exit_code == 1


def test_output_is_capped():
    # 10 MB: far over the cap, and written in a fraction of the 1 s of CPU even on a busy machine
    result = run_sandboxed([*PY, "print('x' * 10**7)"], b"", FAST_LIMITS)
    assert result.output_truncated and len(result.stdout) == FAST_LIMITS.output_limit_bytes


def test_daemon_is_killed_and_does_not_hold_the_run():
    code = "import os, time\nif os.fork() == 0:\n os.setsid()\n time.sleep(100)\nprint('done')"
    result = run_sandboxed([*PY, code], b"", FAST_LIMITS)
    assert result.stdout == b"done\n" and not result.timed_out and result.wall_time_s < 2
    assert leftover_processes() == []


@pytest.mark.skipif(not isolation.PRIVILEGED, reason="uid drop needs root")
def test_runs_as_its_own_uid_without_network_in_a_fresh_dir(tmp_path):
    code = (
        "import os, socket\n"
        "print(os.getuid(), sorted(os.listdir('.')), os.environ.get('SECRET'))\n"
        "try:\n socket.create_connection(('127.0.0.1', 22), timeout=1)\n"
        "except OSError as e: print('no network')\n"
    )
    os.environ["SECRET"] = "leak"
    try:
        result = run_sandboxed([*PY, code], b"", FAST_LIMITS)
    finally:
        del os.environ["SECRET"]
    uid, rest = result.stdout.decode().split(" ", 1)
    assert int(uid) in isolation.owner_uids(os.getpid())
    assert rest == "[] None\nno network\n"


@pytest.mark.skipif(not isolation.PRIVILEGED, reason="uid drop needs root")
def test_given_cwd_is_handed_to_the_sandbox(tmp_path):
    (tmp_path / "input.txt").write_text("data")
    code = "print(open('input.txt').read()); open('out.txt', 'w').write('x')"
    result = run_sandboxed([*PY, code], b"", FAST_LIMITS, cwd=tmp_path)
    assert result.stdout == b"data\n" and (tmp_path / "out.txt").read_text() == "x"
