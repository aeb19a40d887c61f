import json

import pytest
import torch

from coderl.cli.main import main
from coderl.models import build_tiny_causal
from coderl.problems.types import Problem, TestCase

torch.set_num_threads(1)

PROBLEMS = [
    Problem(
        id="add",
        source="humaneval",
        statement="",
        code_prefix='def add(a, b):\n    """Sum."""\n',
        entry_point="add",
        tests=(TestCase.call([1, 2], 3),),
    ),
    Problem(
        id="echo",
        source="apps",
        statement="Echo the input.",
        tests=(TestCase.stdio("hi\n", "hi\n"),),
    ),
]


@pytest.fixture
def setup(tmp_path):
    pytest.importorskip("coderl.problems.loaders.jsonl")
    model_dir = tmp_path / "model"
    policy = build_tiny_causal()
    policy.model.save_pretrained(model_dir)
    policy.tokenizer.save_pretrained(model_dir)
    problems = tmp_path / "problems.jsonl"
    problems.write_text("".join(json.dumps(p.to_dict()) + "\n" for p in PROBLEMS))
    return model_dir, problems, tmp_path / "samples.jsonl"


def generate(model_dir, problems, out, *extra):
    return main(
        [
            "generate",
            "--model",
            str(model_dir),
            "--problems",
            f"jsonl:{problems}",
            "--out",
            str(out),
            "--n",
            "2",
            "--max-new-tokens",
            "5",
            "--no-progress",
            *extra,
        ]
    )


def test_generate_end_to_end_and_resume(setup, capsys):
    model_dir, problems, out = setup
    assert generate(model_dir, problems, out, "--temperature", "0.8", "--top-k", "5") == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted((r["problem_id"], r["sample_index"]) for r in records) == [
        ("add", 0),
        ("add", 1),
        ("echo", 0),
        ("echo", 1),
    ]
    for record in records:
        prefix = PROBLEMS[0].code_prefix if record["problem_id"] == "add" else ""
        assert record["program"].startswith(prefix)
        assert {"completion", "finished", "num_tokens"} <= set(record)
    assert "wrote 4 samples for 2 problems" in capsys.readouterr().out
    settings = out.with_name("samples.jsonl.config.yaml").read_text()
    assert "top_k: 5" in settings

    assert generate(model_dir, problems, out, "--temperature", "0.8", "--top-k", "5") == 0
    assert "wrote 0 samples for 2 problems (2 already complete)" in capsys.readouterr().out


def test_resuming_with_other_settings_is_refused(setup, capsys):
    model_dir, problems, out = setup
    assert generate(model_dir, problems, out, "--seed", "1") == 0
    assert generate(model_dir, problems, out, "--seed", "2") == 2
    assert "was written with seed = 1" in capsys.readouterr().err


def test_bad_sampling_values_are_one_line_errors(setup, capsys):
    model_dir, problems, out = setup
    assert generate(model_dir, problems, out, "--top-p", "0") == 2
    assert "argument --top-p: 0 is not" in capsys.readouterr().err
    assert generate(model_dir, problems, out, "--top-p", "2") == 2
    assert capsys.readouterr().err.startswith("coderl generate: error: --top-p 2.0: ")


def test_evaluate_with_a_model_generates_resumes_and_records_it(setup, capsys):
    model_dir, problems, _ = setup
    out = problems.parent / "eval"
    args = [
        "evaluate",
        "--model",
        str(model_dir),
        "--problems",
        f"jsonl:{problems}",
        "--out",
        str(out),
        *("--n", "2", "--temperature", "0.8", "--max-new-tokens", "5", "--k", "1,2"),
        *("--n-at-k", "", "--workers", "1", "--no-progress"),
    ]
    assert main(args) == 0
    assert "wrote 4 samples for 2 problems" in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert report["samples"] == 4 and report["metrics"] == ["pass@1", "pass@2"]
    assert report["provenance"]["model"] == str(model_dir)
    assert report["provenance"]["sampling"]["n"] == 2
    assert main(args) == 2  # the report exists
    assert "report.json: exists; pass --overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0  # the samples resume: nothing is sampled again
    assert "wrote 0 samples for 2 problems (2 already complete)" in capsys.readouterr().out
