"""`coderl judge` and `coderl evaluate` end to end, on a small problem set and the real judge."""

import json

from coderl.cli.main import main
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
SAMPLES = [
    {"problem_id": "add", "completion": "a, b = map(int, input().split())\nprint(a + b)\n"},
    {"problem_id": "add", "completion": "print(3)\n"},
    {"problem_id": "double", "completion": "def double(x):\n    return 2 * x\n"},
    {"problem_id": "double", "completion": "def double(x):\n    return 1 / 0\n"},
]


def write_inputs(tmp_path):
    problems = tmp_path / "problems.jsonl"
    problems.write_text("".join(json.dumps(p.to_dict()) + "\n" for p in PROBLEMS))
    samples = tmp_path / "samples.jsonl"
    samples.write_text("".join(json.dumps(s) + "\n" for s in SAMPLES))
    return f"jsonl:{problems}", str(samples)


def test_judge_writes_verdicts(tmp_path, capsys):
    spec, samples = write_inputs(tmp_path)
    out = tmp_path / "judgements.jsonl"
    code = main(
        [
            "judge",
            "--problems",
            spec,
            "--samples",
            samples,
            "--out",
            str(out),
            "--workers",
            "1",
            "--no-progress",
        ]
    )
    assert code == 0
    header, *records = [json.loads(line) for line in out.read_text().splitlines()]
    assert header["format"] == "coderl-judgements" and header["format_version"] == 1
    assert header["provenance"]["samples"] == samples
    verdicts = [record["verdict"] for record in records]
    assert verdicts == ["passed", "wrong_answer", "passed", "runtime_error"]
    assert "passed" in capsys.readouterr().out


def test_evaluate_reports_pass_at_k_and_n_at_k(tmp_path, capsys):
    spec, samples = write_inputs(tmp_path)
    out = tmp_path / "eval"
    code = main(
        [
            "evaluate",
            "--problems",
            spec,
            "--samples",
            samples,
            "--k",
            "1,2",
            "--n-at-k",
            "1@2",
            "--out",
            str(out),
            "--workers",
            "1",
            "--no-progress",
        ]
    )
    assert code == 0
    report = json.loads((out / "report.json").read_text())
    text = json.dumps(report)
    assert '"pass@1"' in text and '"1@2"' in text
    assert report["provenance"]["problems"] == spec
    for name in ("report.md", "judgements.jsonl", "example-judgements.jsonl"):
        assert (out / name).is_file()
    printed = capsys.readouterr().out
    assert "| all | 2 | 50.00 | 100.00 |" in printed


def test_bad_k_is_a_clear_error(tmp_path, capsys):
    spec, samples = write_inputs(tmp_path)
    code = main(
        [
            "evaluate",
            "--problems",
            spec,
            "--samples",
            samples,
            "--k",
            "one",
            "--out",
            str(tmp_path / "r.json"),
        ]
    )
    assert code == 2
    assert "argument --k: 'one'" in capsys.readouterr().err
