"""Hostile programs: one test per attack, each with the verdict it must get.

Where the outcome of an attack is only visible inside the sandbox, the program prints what it
managed to do on a stdio test whose expected output is the safe outcome ("blocked"), so
``passed`` means the attack failed. Every test also checks that the judge still works.
"""

from __future__ import annotations

import glob
import os
import socket
import time
import uuid

import pytest

from coderl.execution import Submission, Verdict, isolation
from coderl.problems.types import Problem, TestCase

from .conftest import leftover_processes

pytestmark = pytest.mark.skipif(not isolation.PRIVILEGED, reason="full isolation needs root")

ADD = Problem(
    id="add",
    source="test",
    statement="",
    entry_point="add",
    tests=(
        TestCase.assertion("assert add(1, 2) == 3"),
        TestCase.assertion("assert add(2, 5) == 7"),
    ),
)
BLOCKED = Problem(
    id="blocked", source="test", statement="", tests=(TestCase.stdio("", "blocked\n"),)
)
GOOD_ADD = "def add(a, b):\n    return a + b\n"


def judge_one(judge, problem: Problem, code: str):
    (result,) = judge.run([Submission(problem, code)])
    assert judge.run([Submission(ADD, GOOD_ADD)])[0].passed, "the judge must survive"
    return result


def wait_until_clean(timeout_s: float = 3.0) -> list[int]:
    """Sandbox processes still around after ``timeout_s`` (reaping is asynchronous)."""
    deadline = time.monotonic() + timeout_s
    while (left := leftover_processes()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def attempts(*statements: str) -> str:
    """A program that prints "blocked" only if every statement raises."""
    lines = ["ok = True"]
    for statement in statements:
        lines += ["try:", f"    {statement}", "    ok = False", "except Exception:", "    pass"]
    return "\n".join([*lines, "print('blocked' if ok else 'ESCAPED')"])


def test_infinite_loop_is_timeout(judge):
    result = judge_one(judge, ADD, "def add(a, b):\n    while True:\n        pass\n")
    assert result.verdict is Verdict.TIMEOUT


def test_busy_thread_is_timeout(judge):
    code = (
        "import threading\ndef add(a, b):\n"
        "    t = threading.Thread(target=lambda: [0 for _ in iter(int, 1)])\n"
        "    t.start()\n    t.join()\n"
    )
    assert judge_one(judge, ADD, code).verdict is Verdict.TIMEOUT


def test_sleeping_hits_the_wall_backstop(judge):
    code = "import time\ndef add(a, b):\n    time.sleep(100)\n"
    assert judge_one(judge, ADD, code).verdict is Verdict.TIMEOUT


def test_fork_bomb_is_contained(judge):
    code = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    result = judge_one(judge, BLOCKED, code)
    assert not result.passed
    assert wait_until_clean() == []


def test_memory_bomb_is_memory_limit(judge):
    result = judge_one(judge, ADD, "def add(a, b):\n    return [0] * (10 ** 10)\n")
    assert result.verdict is Verdict.MEMORY_LIMIT


def test_output_flood_is_capped_and_fails(judge):
    result = judge_one(judge, BLOCKED, "while True:\n    print('blocked' * 1000)\n")
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert result.error.type == "OutputLimitExceeded"


def test_deep_recursion_is_runtime_error(judge):
    plain = "def add(a, b):\n    return add(a, b)\n"
    unlimited = "import sys\nsys.setrecursionlimit(10 ** 8)\n" + plain
    assert judge_one(judge, ADD, plain).error.type == "RecursionError"
    # 3.11 frames live on the heap: unbounded recursion ends on the memory or the CPU limit
    runtime_class = {Verdict.RUNTIME_ERROR, Verdict.MEMORY_LIMIT, Verdict.TIMEOUT}
    assert judge_one(judge, ADD, unlimited).verdict in runtime_class


def test_writing_outside_its_directory_fails(judge):
    marker = f"coderl-pwned-{uuid.uuid4().hex}"
    code = (
        attempts(
            f"open('/work/{marker}', 'w').write('x')",
            f"open('/etc/{marker}', 'w').write('x')",
            f"open('{os.getcwd()}/{marker}', 'w').write('x')",
        )
        + f"\nopen('/tmp/{marker}', 'w').write('x')\n"
    )  # allowed, but in a private /tmp
    assert judge_one(judge, BLOCKED, code).passed
    assert glob.glob(f"/**/{marker}", recursive=False) == []
    assert not os.path.exists(f"/tmp/{marker}") and not os.path.exists(f"/work/{marker}")


def test_reading_private_files_fails(judge):
    code = attempts(
        "assert set(os.listdir('/root')) - {'.pyenv'}",  # the interpreter may live there
        "open('/root/.bashrc').read()",
        "open(f'/proc/{os.getppid()}/environ').read()",
        "open('/proc/1/environ').read()",
        "open('/etc/shadow').read()",
    )
    assert judge_one(judge, BLOCKED, "import os\n" + code).passed


def test_network_connect_fails(judge):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    code = attempts(
        f"socket.create_connection(('127.0.0.1', {port}), timeout=1)",
        "socket.create_connection(('1.1.1.1', 53), timeout=1)",
    )
    try:
        assert judge_one(judge, BLOCKED, "import socket\n" + code).passed
        listener.settimeout(0.0)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()


@pytest.mark.parametrize(
    ("attack", "verdict"),
    [
        ("os.kill(os.getppid(), 9)", Verdict.RUNTIME_ERROR),  # PermissionError
        ("os.killpg(os.getpgid(os.getppid()), 9)", Verdict.RUNTIME_ERROR),  # PermissionError
        ("os.killpg(0, 9)", Verdict.RUNTIME_ERROR),  # its own group: it dies
        ("os.kill(-1, 9)", Verdict.PASSED),  # reaches no process but its own uid's: harmless
    ],
)
def test_killing_the_judge_fails(judge, attack, verdict):
    code = f"import os\ndef add(a, b):\n    {attack}\n    return a + b\n"
    assert judge_one(judge, ADD, code).verdict is verdict


def test_ignoring_sigterm_does_not_help(judge):
    code = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass\n"
    assert judge_one(judge, BLOCKED, code).verdict is Verdict.TIMEOUT
    assert wait_until_clean() == []


@pytest.mark.parametrize("problem", [ADD, BLOCKED])
def test_closing_its_file_descriptors_fails(judge, problem):
    code = "import os\nos.closerange(0, 1024)\n" + GOOD_ADD + "print('blocked')\n"
    assert not judge_one(judge, problem, code).passed


@pytest.mark.parametrize(
    "exit_call", ["sys.exit(0)", "os._exit(0)", "raise SystemExit", "raise KeyboardInterrupt"]
)
def test_exiting_is_never_passing(judge, exit_call):
    at_load = f"import os, sys\n{exit_call}\n" + GOOD_ADD
    in_test = f"import os, sys\ndef add(a, b):\n    {exit_call}\n"
    assert judge_one(judge, ADD, at_load).verdict is Verdict.RUNTIME_ERROR
    assert judge_one(judge, ADD, in_test).verdict is Verdict.RUNTIME_ERROR


def test_object_equal_to_everything_is_wrong_answer(judge):
    code = (
        "class Anything:\n    def __eq__(self, other):\n        return True\n"
        "class Int(int):\n    def __eq__(self, other):\n        return True\n"
        "def add(a, b):\n    return Anything() if a == 1 else Int(0)\n"
    )
    result = judge_one(judge, ADD, code)
    assert [t.verdict for t in result.tests] == [Verdict.WRONG_ANSWER] * 2


def test_monkeypatching_the_harness_does_not_fake_success(judge):
    code = (
        "import builtins, json\nfrom coderl.execution import harness, protocol\n"
        "harness._call = lambda *args: {'ok': True}\n"
        "harness.send = lambda fd, message: protocol.send(fd, {'ok': 'passed'})\n"
        "json.dumps = lambda *a, **k: 'passed'\nbuiltins.print = lambda *a, **k: None\n"
        "def add(a, b):\n    return 0\n"
    )
    assert not judge_one(judge, ADD, code).passed


def test_fake_success_markers_are_ignored(judge):
    # Forged frames on the report pipe can only claim return values, which the judge still
    # compares: forging the right ones is no easier than computing them.
    fake_frame = "import os\nfrom coderl.execution.protocol import pack\n"
    fake_frame += "os.write(4, pack({'event': 'loaded'}) + pack({'ok': True}) + b'passed')\n"
    assert not judge_one(judge, ADD, fake_frame + "def add(a, b):\n    return 0\n").passed
    printed = "print('passed')\nprint('{\"event\": \"done\"}')\nprint('blocked ok')\n"
    assert judge_one(judge, BLOCKED, printed).verdict is Verdict.WRONG_ANSWER


def test_expected_outputs_are_not_in_the_childs_reach(judge):
    secret = f"SECRET-{uuid.uuid4().hex}"
    hunt = (
        "import gc, os, glob\n"
        "def find():\n"
        "    found = [o for o in gc.get_objects() if isinstance(o, str) and 'SECRET-' in o]\n"
        "    for o in gc.get_objects():\n"
        "        if isinstance(o, (dict, list, tuple)):\n"
        "            found += [x for x in (o.values() if isinstance(o, dict) else o)\n"
        "                      if isinstance(x, str) and x.startswith('SECRET-')]\n"
        "    paths = glob.glob('/tmp/**', recursive=True) + glob.glob('./**', recursive=True)\n"
        "    for path in paths:\n"
        "        try:\n            found += [l for l in open(path) if 'SECRET-' in l]\n"
        "        except Exception:\n            pass\n"
        "    for pid in ('self', str(os.getppid())):\n"
        "        for name in ('environ', 'cmdline', 'mem'):\n"
        "            try:\n                data = open(f'/proc/{pid}/{name}', 'rb').read()\n"
        "                found += [data[data.index(b'SECRET-'):][:39].decode()]\n"
        "            except Exception:\n                pass\n"
        "    return found[0] if found else 'nothing'\n"
    )
    stdio = Problem(id="s", source="test", statement="", tests=(TestCase.stdio("", secret),))
    asserted = Problem(
        id="a",
        source="test",
        statement="",
        entry_point="find",
        tests=(TestCase.assertion(f"assert find() == {secret!r}"),),
    )
    assert judge_one(judge, stdio, hunt + "print(find())\n").verdict is Verdict.WRONG_ANSWER
    assert judge_one(judge, asserted, hunt).verdict is Verdict.WRONG_ANSWER


def test_zz_nothing_is_left_behind(judge):
    assert wait_until_clean() == []
    assert glob.glob("/tmp/coderl-sandbox-*") == []
