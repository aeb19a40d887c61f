"""Attacks found by probing the judge as a hostile policy would (issue 9), one class per
section, several variations each, in Python and in C where the class applies to both.

As in test_adversarial.py, a program whose attack must fail prints "blocked" on a stdio test
that expects "blocked", so ``passed`` means the attack failed; every test also checks that
the judge still works afterwards. The last test checks that nothing of any program survives:
no process, file, mount, IPC object or cgroup, and no host file changed.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import time

import pytest

from coderl.execution import Judge, JudgeConfig, Submission, Verdict, cgroups, isolation
from coderl.problems.types import Problem, TestCase

from .conftest import FAST_LIMITS, leftover_processes

pytestmark = pytest.mark.skipif(not isolation.PRIVILEGED, reason="full isolation needs root")

RUNTIME_CLASS = {Verdict.RUNTIME_ERROR, Verdict.TIMEOUT, Verdict.MEMORY_LIMIT}
WATCHED_HOST_PATHS = ["/usr/lib", "/usr/bin", "/etc", "/tmp", "/root", os.getcwd()]


def _host_state() -> dict[str, object]:
    """What programs must not change on the host (other users of this machine may change
    other things at the same time: only what the judge's programs could own is listed)."""
    state: dict[str, object] = {
        path: (stat.S_IMODE(os.stat(path).st_mode), os.stat(path).st_uid)
        for path in WATCHED_HOST_PATHS
    }
    with open("/proc/self/mountinfo") as mounts:
        state["mounts"] = sorted(line.split(" ", 4)[4] for line in mounts)
    ours = isolation.owner_uids(os.getpid())
    for kind in ("shm", "msg", "sem"):  # the uid is the 8th column of each table
        with open(f"/proc/sysvipc/{kind}") as table:
            rows = [line.split() for line in table.readlines()[1:]]
        state[f"ipc/{kind}"] = [row for row in rows if int(row[7]) in ours]
    for folder in ("/tmp", "/dev/shm", "/var/tmp"):
        entries = [os.path.join(folder, name) for name in os.listdir(folder)]
        state[folder] = [e for e in entries if _owner(e) in ours]
    return state


def _owner(path: str) -> int | None:
    try:
        return os.lstat(path).st_uid
    except FileNotFoundError:
        return None


@pytest.fixture(scope="module")
def host_before():
    return _host_state()


@pytest.fixture(scope="module")
def judge(host_before):
    config = JudgeConfig(limits=FAST_LIMITS, workers=2)
    with Judge(config) as running:
        yield running


ADD = Problem(
    id="add",
    source="test",
    statement="",
    entry_point="add",
    tests=(TestCase.assertion("assert add(1, 2) == 3"),),
)
IMPORTS = Problem(  # a module the zygote did not preload: imports need the view's stdlib
    id="imports", source="test", statement="", tests=(TestCase.stdio("", "blocked\n"),)
)
GOOD_IMPORTS = "import fractions, textwrap, csv\nprint('blocked')\n"


def blocked(language: str = "python", tests: int = 1) -> Problem:
    return Problem(
        id=f"blocked-{language}",
        source="test",
        statement="",
        tests=(TestCase.stdio("", "blocked\n"),) * tests,
        language=language,
    )


def judge_one(judge, problem: Problem, code: str, **options):
    (result,) = judge.run([Submission(problem, code, **options)])
    assert judge.run([Submission(IMPORTS, GOOD_IMPORTS)])[0].passed, "the judge must survive"
    return result


def c_program(body: str, includes: str = "") -> str:
    headers = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n"
    headers += "#include <fcntl.h>\n#include <dirent.h>\n#include <sys/stat.h>\n"
    headers += "#include <sys/types.h>\n#include <sys/wait.h>\n" + includes
    return headers + "int main(void) {\n" + body + "\n}\n"


# 1. Cleanup must never follow a symlink the program planted (it runs as root).

PLANT_LINKS = """import os, sys
targets = ['/usr/lib', '/usr/bin', '/etc', '/', os.path.dirname(os.getcwd()),
           os.path.dirname(os.__file__), sys.prefix]
for i, target in enumerate(targets):
    for where in ('.', '/tmp', '/dev/shm', '/var/tmp'):
        try:
            os.symlink(target, f'{where}/link{i}')
        except OSError:
            pass
os.makedirs('locked/inner', exist_ok=True)
os.symlink('/usr/lib', 'locked/inner/up')
os.chmod('locked/inner', 0)
os.chmod('locked', 0)
print('blocked')
"""


def test_planted_symlinks_do_not_steer_the_cleanup(judge):
    before = {p: os.stat(p) for p in ("/usr/lib", "/usr/bin", "/etc")}
    for _ in range(2):  # the second run would fail to import if the first broke the view
        assert judge_one(judge, blocked(), PLANT_LINKS).passed
    for path, was in before.items():
        now = os.stat(path)
        assert (now.st_mode, now.st_uid, now.st_mtime) == (was.st_mode, was.st_uid, was.st_mtime)


def test_planted_symlinks_from_c(judge):
    body = """
    const char *targets[] = {"/usr/lib", "/etc", "/", "..", "/tmp"};
    char name[64];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "link%d", i); symlink(targets[i], name);
        snprintf(name, sizeof name, "/tmp/link%d", i); symlink(targets[i], name);
    }
    mkdir("shut", 0700); symlink("/usr/lib", "shut/up"); chmod("shut", 0);
    puts("blocked");
    """
    assert judge_one(judge, blocked("c"), c_program(body)).passed


# 2. Deep directory trees must not crash the cleanup (nor turn into infra_error).

DEEP_PY = """import os
for top in ('.', '/tmp'):
    fd = os.open(top, os.O_RDONLY)
    for _ in range({depth}):
        os.mkdir('d', dir_fd=fd)
        child = os.open('d', os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
print('blocked')
"""


@pytest.fixture(scope="module")
def roomy_judge(host_before):
    """CPU to spare, for attacks whose cost is not the point: touching hundreds of MiB (and
    the kernel's reclaim at the cgroup's limit) must hit the memory limit, not the CPU limit,
    and 2 x 6000 nested directories (about 1 CPU second to build) must be removed, even on a
    busy machine."""
    limits = dataclasses.replace(FAST_LIMITS, cpu_time_s=8.0, wall_time_s=20.0)
    with Judge(JudgeConfig(limits=limits, workers=1)) as running:
        yield running


@pytest.mark.parametrize("depth", [1500, 6000])
def test_deep_trees_are_removed(roomy_judge, depth):
    result = judge_one(roomy_judge, blocked(), DEEP_PY.format(depth=depth))
    assert result.passed, result


def test_deep_trees_from_c(judge):
    body = """
    for (int i = 0; i < 5000; i++) { if (mkdir("d", 0700) || chdir("d")) return 1; }
    puts("blocked");
    """
    assert judge_one(judge, blocked("c"), c_program(body)).passed


# 3. Anything written on any fd is at worst the program's own failure, never infra_error.


def _frame(body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + body


FORGED = [
    _frame(b"{}"),
    _frame(b"[1,2]"),
    _frame(b"not json at all"),
    b"\xff\xff\xff\xff",  # a length beyond any limit
    _frame(b'{"event":"error","error":5}'),
    _frame(b'{"event":"error"}'),
    _frame(b'{"event":"error","error":{"type":[1],"message":{},"line":"3"}}'),
    _frame(b'{"event":[{}]}'),
    _frame(b'{"raised":5}'),
    _frame(b'{"ok":{"D":[[[1],2]]}}'),
    _frame(b'{"ok":{"S":[[1]]}}'),
    _frame(b'{"not_plain":{}}'),
    _frame(b"\x80\x81\x82\x83"),  # not UTF-8
    _frame(b"[" * 5000 + b"]" * 5000),  # nested beyond any parser
    _frame(b"1" * 5000),  # an integer too long to convert
    (4096).to_bytes(4, "big") + b"[" * 100,  # a frame that never completes
]


@pytest.mark.parametrize("forged", FORGED, ids=range(len(FORGED)))
@pytest.mark.parametrize("fd", [4, 3, 2, 1, 0])
def test_garbage_on_any_fd_is_never_infra_error(judge, forged, fd):
    """A wrong program that writes anything anywhere still gets a failing verdict of its own."""
    write = f"os.write({fd}, bytes.fromhex({forged.hex()!r}))"
    guarded = f"try:\n    {write}\nexcept OSError:\n    pass\n"
    wrong_add = "def add(a, b):\n    return a - b\n"
    stdio = judge_one(judge, blocked(), "import os\n" + guarded + "print('nope')\n")
    at_load = judge_one(judge, ADD, "import os\n" + guarded + wrong_add)
    in_call = "import os\ndef add(a, b):\n"
    in_call += "".join(f"    {line}\n" for line in guarded.splitlines()) + "    return a - b\n"
    for result in (stdio, at_load, judge_one(judge, ADD, in_call)):
        assert result.verdict is not Verdict.INFRA_ERROR, result
        assert not result.passed, result


# 4. System V IPC objects cannot be made, so none outlives a run or passes data along.

SYSV = """import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
made = [libc.shmget(0, 64 << 20, 0o1666), libc.msgget(0, 0o1666), libc.semget(0, 4, 0o1666)]
mq = libc.mq_open(b'/coderl-q', os.O_CREAT | os.O_RDWR, 0o666, None)
print('blocked' if all(m == -1 for m in made) and mq == -1 else f'ESCAPED {made} {mq}')
"""


def test_sysv_ipc_is_refused(judge):
    assert judge_one(judge, blocked(), SYSV).passed


def test_sysv_ipc_is_refused_in_c(judge):
    body = """
    int shm = shmget(IPC_PRIVATE, 1 << 20, IPC_CREAT | 0666);
    int msg = msgget(IPC_PRIVATE, IPC_CREAT | 0666);
    int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0666);
    puts(shm == -1 && msg == -1 && sem == -1 ? "blocked" : "ESCAPED");
    """
    includes = (
        "#include <sys/ipc.h>\n#include <sys/shm.h>\n#include <sys/msg.h>\n#include <sys/sem.h>\n"
    )
    assert judge_one(judge, blocked("c"), c_program(body, includes)).passed


def test_no_channel_between_programs_through_shared_memory(judge):
    writer = (
        "import os\nfor d in ('/dev/shm', '/tmp', '/var/tmp'):\n"
        "    open(f'{d}/note', 'w').write('hello')\nprint('blocked')\n"
    )
    reader = (
        "import os\nseen = [d for d in ('/dev/shm', '/tmp', '/var/tmp') "
        "if os.path.exists(f'{d}/note')]\nprint('ESCAPED' if seen else 'blocked')\n"
    )
    assert judge_one(judge, blocked(), writer).passed
    for _ in range(3):  # whichever worker runs it
        assert judge_one(judge, blocked(), reader).passed


# 5. A program's memory is bounded as a whole: files in RAM and forked children included.

FORKED_HOGS = """import os
kids = []
for _ in range(4):  # each under the per-process limit, together far over it
    pid = os.fork()
    if pid == 0:
        block = bytearray(300 << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        os._exit(0)
    kids.append(pid)
for pid in kids:
    os.waitpid(pid, 0)
print('blocked')
"""
TMPFS_FILL = """import os
for i in range(200):  # 15 MiB files (under the file-size limit), 3 GiB in all
    with open(f'/tmp/fill{i}', 'wb') as f:
        f.write(b'x' * (15 << 20))
print('blocked')
"""
CHILDREN_IN_PARALLEL = """import os, time
for _ in range(6):
    if os.fork() == 0:
        block = bytearray(200 << 20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        time.sleep(5)
        os._exit(0)
time.sleep(3)
print('blocked')
"""


BIG_FILE_PY = """import sys
if sys.stdin.read().strip() == 'big':
    with open('big', 'wb') as f:
        for _ in range(4):
            f.write(b'x' * (1 << 20))
            f.flush()
    print('blocked')
else:
    print('ok')
"""


def test_the_file_size_limit_holds_in_every_test(host_before):
    """RLIMIT_FSIZE is set in each test's child (the zygote itself must write stdins of any
    size): a 4 MiB file against a 1 MiB limit fails, as the first test and as a later one."""
    limits = dataclasses.replace(FAST_LIMITS, file_size_mb=1)
    small, big = TestCase.stdio("small\n", "ok\n"), TestCase.stdio("big\n", "blocked\n")
    with Judge(JudgeConfig(limits=limits, workers=1)) as small_files:
        for tests in ((big,), (small, small, big)):
            problem = dataclasses.replace(blocked(), tests=tests)
            (result,) = small_files.run([Submission(problem, BIG_FILE_PY)])
            assert result.verdict is Verdict.RUNTIME_ERROR, result
            assert len(result.tests) == len(tests), result
            assert "File too large" in str(result.tests[-1].detail), result
    assert wait_until_clean() == []


@pytest.mark.parametrize("code", [FORKED_HOGS, CHILDREN_IN_PARALLEL, TMPFS_FILL])
def test_total_memory_is_bounded(roomy_judge, code):
    result = judge_one(roomy_judge, blocked(), code)
    assert result.verdict in RUNTIME_CLASS, result
    if roomy_judge.isolation.get("cgroup") and code is not TMPFS_FILL:
        assert result.verdict is Verdict.MEMORY_LIMIT, result


def test_total_memory_is_bounded_in_c(judge):
    body = """
    for (int k = 0; k < 4; k++) if (fork() == 0) {
        size_t n = 300u << 20; char *p = malloc(n); if (!p) return 1;
        for (size_t i = 0; i < n; i += 4096) p[i] = 1;
        sleep(3); return 0;
    }
    while (wait(NULL) > 0) {}
    puts("blocked");
    """
    result = judge_one(judge, blocked("c"), c_program(body))
    assert result.verdict in RUNTIME_CLASS, result


# 6. The program sees a minimal read-only view: no datasets, no other process.


def test_the_host_filesystem_is_not_in_view(judge):
    here = os.path.realpath(os.getcwd())  # the repository: tests, data, configs
    code = (
        "import os, glob\n"
        f"paths = ['/work/shared', {here + '/tests'!r}, {here + '/src'!r}, '/home', '/var/lib',\n"
        "         '/opt', '/srv', '/sys/fs/cgroup', '/root/.cache', '/mnt', '/boot', '/run']\n"
        "seen = [p for p in paths if os.path.exists(p)]\n"
        "pids = [e for e in os.listdir('/proc') if e.isdigit() and int(e) != os.getpid()]\n"
        "lines = [open(f'/proc/{p}/cmdline', 'rb').read() for p in pids\n"
        "         if os.path.exists(f'/proc/{p}/cmdline')]\n"
        "wrote = []\n"
        "for path in ('/usr/x', '/etc/x', '/x', os.path.dirname(os.__file__) + '/x'):\n"
        "    try:\n        open(path, 'w')\n        wrote.append(path)\n"
        "    except OSError:\n        pass\n"
        "print('blocked' if not (seen or lines or wrote) else f'ESCAPED {seen} {lines} {wrote}')\n"
    )
    result = judge_one(judge, blocked(), code)
    assert result.passed, result


def test_a_compiled_program_sees_the_same_view(judge):
    body = """
    const char *paths[] = {"/work/shared", "/home", "/root/.cache", "/sys/fs/cgroup", "/run"};
    for (int i = 0; i < 5; i++)
        if (access(paths[i], F_OK) == 0) { printf("ESCAPED %s\\n", paths[i]); return 0; }
    DIR *proc = opendir("/proc"); struct dirent *e; int others = 0;
    while (proc && (e = readdir(proc)))
        if (atoi(e->d_name) > 0 && atoi(e->d_name) != getpid()) others++;
    if (others) { printf("ESCAPED %d processes\\n", others); return 0; }
    if (fopen("/usr/x", "w") || fopen("/etc/x", "w")) { puts("ESCAPED write"); return 0; }
    /* an interpreter is there, but it sees what the program sees */
    fflush(stdout);
    execl("/usr/bin/python3", "python3", "-c",
          "import os; print('ESCAPED' if os.path.exists('/work/shared') else 'blocked')",
          (char *)0);
    puts("blocked");
    """
    result = judge_one(judge, blocked("c"), c_program(body))
    assert result.passed, result


# 7. CPU time counts every process of the program, waited for or not.

BURN = "t = time.process_time()\nwhile time.process_time() - t < 0.45: pass\n"
SEQUENTIAL_CHILDREN = (
    "import os, time\nfor _ in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
    + "".join("        " + line + "\n" for line in BURN.splitlines())
    + "        os._exit(0)\n    os.waitpid(pid, 0)\nprint('blocked')\n"
)
ORPHANS = (
    "import os, time\nfor _ in range(4):\n    if os.fork() == 0:\n        if os.fork() == 0:\n"
    + "".join("            " + line + "\n" for line in BURN.splitlines())
    + "            os._exit(0)\n        os._exit(0)\n    os.wait()\n"
    "    time.sleep(0.6)\nprint('blocked')\n"
)


@pytest.mark.parametrize("code", [SEQUENTIAL_CHILDREN, ORPHANS], ids=["waited", "orphans"])
def test_cpu_of_children_counts(judge, code):
    result = judge_one(judge, blocked(), code)
    assert result.verdict is Verdict.TIMEOUT, result


def test_cpu_of_children_counts_in_calls(judge):
    code = (
        "import os, time\ndef add(a, b):\n"
        + "".join("    " + line + "\n" for line in SEQUENTIAL_CHILDREN.splitlines()[1:-1])
        + "    return a + b\n"
    )
    assert judge_one(judge, ADD, code).verdict is Verdict.TIMEOUT


def test_cpu_of_children_counts_in_c(judge):
    body = """
    for (int k = 0; k < 4; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            clock_t t = clock();
            while (clock() - t < CLOCKS_PER_SEC * 45 / 100) {}
            return 0;
        }
        waitpid(pid, NULL, 0);
    }
    puts("blocked");
    """
    result = judge_one(judge, blocked("c"), c_program(body, "#include <time.h>\n"))
    assert result.verdict is Verdict.TIMEOUT, result


# 8. Integers are exact, even written with a decimal point.


def test_an_integer_answer_is_exact(judge):
    big = Problem(
        id="big", source="test", statement="", tests=(TestCase.stdio("", "999999999999\n"),)
    )
    assert judge_one(judge, big, "print('1000000999998.0')").verdict is Verdict.WRONG_ANSWER
    assert judge_one(judge, big, "print('999999999999.0')").passed
    call = Problem(
        id="call",
        source="apps",
        statement="",
        entry_point="f",
        tests=(TestCase.call([], 999999999999),),
    )
    assert judge_one(judge, call, "def f():\n    return 1000000999998.0\n").verdict is (
        Verdict.WRONG_ANSWER
    )
    for token in ("1e99999999999999999999", "-1e-99999999999999999999", "1." + "0" * 10000):
        assert judge_one(judge, big, f"print({token!r})").verdict is Verdict.WRONG_ANSWER
    c_code = c_program('puts("1000000999998.0");')
    c_big = dataclasses.replace(big, language="c")
    assert judge_one(judge, c_big, c_code).verdict is Verdict.WRONG_ANSWER


# 9. A failing flush of stdout is the program's error, not hidden.


@pytest.mark.parametrize(
    "code",
    [
        "import sys\nclass Out:\n    def write(self, s):\n        return len(s)\n"
        "    def flush(self):\n        raise OSError('disk full')\n"
        "sys.stdout = Out()\nprint('blocked')\n",
        "import os\nprint('blocked', end='')\nos.close(1)\n",
        "import sys\nsys.stdout = object()\nsys.__stdout__.write('blocked\\n')\n",
    ],
    ids=["raising-flush", "closed-fd", "no-flush-method"],
)
def test_a_failing_flush_is_a_runtime_error(judge, code):
    result = judge_one(judge, blocked(), code)
    assert result.verdict is Verdict.RUNTIME_ERROR, result


# 10. One verdict rule for every language.


def test_the_same_outcomes_give_the_same_verdict_in_every_language(judge):
    # a wrong answer, then a timeout: the compiled path used to take the first failure
    tests = (TestCase.stdio("wrong\n", "1\n"), TestCase.stdio("loop\n", "1\n"))
    python = "s = input()\nwhile s == 'loop':\n    pass\nprint(2)\n"
    c_code = c_program('char s[16]; scanf("%15s", s); while (!strcmp(s, "loop")) {} puts("2");')
    results = []
    for language, code in (("python", python), ("c", c_code)):
        problem = Problem(id="rule", source="test", statement="", tests=tests, language=language)
        results.append(judge_one(judge, problem, code, all_outcomes=True))
    assert [[t.verdict for t in r.tests] for r in results] == [
        [Verdict.WRONG_ANSWER, Verdict.TIMEOUT]
    ] * 2
    assert [r.verdict for r in results] == [Verdict.TIMEOUT] * 2


# 11. Call-based programs get the standard import header; others do not.


def test_call_based_programs_get_the_import_header(judge):
    problem = Problem(
        id="leet",
        source="apps",
        statement="",
        entry_point="kth",
        tests=(TestCase.call([[3, 1, 2], 2], 2), TestCase.call([[5], 1], 5)),
    )
    code = (
        "class Solution:\n    def kth(self, nums: List[int], k: int) -> Optional[int]:\n"
        "        heap: Deque[int] = deque()\n        h: List[int] = []\n"
        "        for x in nums:\n            heappush(h, x)\n"
        "        return [heappop(h) for _ in range(k)][-1]\n"
    )
    assert judge_one(judge, problem, code).passed
    assert judge_one(judge, ADD, "def add(a: List[int], b):\n    return a + b\n").verdict is (
        Verdict.RUNTIME_ERROR  # assert-based (HumanEval, MBPP): the program imports itself
    )


# 13. After a timeout (or memory) verdict, no further test runs unless asked; a total budget.


def test_testing_stops_after_a_timeout_unless_every_outcome_is_asked_for(judge):
    problem = blocked(tests=4)
    code = "while True:\n    pass\n"
    start = time.monotonic()
    stopped = judge_one(judge, problem, code)
    assert [t.verdict for t in stopped.tests] == [Verdict.TIMEOUT]
    assert time.monotonic() - start < 3 * FAST_LIMITS.wall_s
    every = judge_one(judge, problem, code, all_outcomes=True)
    assert [t.verdict for t in every.tests] == [Verdict.TIMEOUT] * 4


def test_a_submission_has_a_total_cpu_budget():
    limits = dataclasses.replace(FAST_LIMITS, total_cpu_time_s=1.2)
    code = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.5: pass\n"
    code += "print('blocked')\n"
    with Judge(JudgeConfig(limits=limits, workers=1)) as judge:
        result = judge.run([Submission(blocked(tests=4), code, all_outcomes=True)])[0]
    verdicts = [t.verdict for t in result.tests]
    assert verdicts[:2] == [Verdict.PASSED] * 2 and verdicts[2] is Verdict.TIMEOUT, result
    assert result.verdict is Verdict.TIMEOUT and len(verdicts) <= 4
    assert result.cpu_time_s < 1.2 + 0.3


# After everything: nothing of any program survives, and the host is as it was.


def wait_until_clean(timeout_s: float = 3.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while (left := leftover_processes()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def test_zz_nothing_survives_and_the_host_is_unchanged(judge, roomy_judge, host_before):
    for running in (judge, roomy_judge):  # the module's judges end here, their cgroups too
        running.__exit__(None, None, None)
    assert wait_until_clean() == []
    assert cgroups.leftovers(isolation.owner_uids(os.getpid())) == []
    assert _host_state() == host_before
