"""Translation and completion metrics, and `coderl evaluate --task translation|completion`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("tree_sitter")
pytest.importorskip("sacrebleu")

from coderl.cli.main import main
from coderl.evaluation.matching import (
    Scored,
    completion_metrics,
    edit_similarity,
    exact_match,
    levenshtein,
    translation_metrics,
)
from coderl.problems.types import Problem

CPP_REF = '#include <cstdio>\nint main() { int x = 2; printf("%d\\n", x * x); return 0; }\n'
CPP_OTHER = '#include <cstdio>\nint main() { int y = 2; printf("%d\\n", y + y); return 0; }\n'
CPP_BROKEN = "int main() { return 0 \n"


def _problem(pid: str, reference: str, language: str = "cpp") -> Problem:
    return Problem(
        id=pid,
        source="xlcost",
        statement="class A {}",
        solutions=(reference,),
        language=language,
        metadata={"source_language": "java"},
    )


def test_string_metrics() -> None:
    assert levenshtein("kitten", "sitting") == 3
    assert edit_similarity("a  b", "a b") == 1.0
    assert edit_similarity("abcd", "abxd") == pytest.approx(0.75)
    assert exact_match("int  x ;\n", "int x;") and not exact_match("int x", "int y")


def test_translation_metrics_on_real_compiles() -> None:
    problem = _problem("p", CPP_REF)
    perfect = translation_metrics([Scored(problem, CPP_REF, CPP_REF)])
    assert perfect["compile_rate"] == 1.0 and perfect["exact_match"] == 1.0
    assert perfect["bleu"] == pytest.approx(1.0) and perfect["codebleu"] == pytest.approx(1.0)
    mixed = translation_metrics(
        [Scored(problem, CPP_OTHER, CPP_REF), Scored(_problem("q", CPP_REF), CPP_BROKEN, CPP_REF)]
    )
    assert mixed["compile_rate"] == 0.5 and mixed["exact_match"] == 0.0
    assert 0 < mixed["bleu"] < 1 and 0 < mixed["codebleu"] < 1


def test_completion_metrics() -> None:
    prefix = "def sq(x):\n    return "
    problem = Problem(
        id="c", source="mbpp-completion", statement="", code_prefix=prefix, solutions=("x * x",)
    )
    items = [Scored(problem, prefix + "x * x", "x * x"), Scored(problem, prefix + "x *", "x * x")]
    metrics = completion_metrics(items, ["x * x", "x *"])
    assert metrics["exact_match"] == 0.5
    assert metrics["edit_similarity"] == pytest.approx((1 + 3 / 5) / 2)
    assert metrics["compile_rate"] == 0.5


def test_evaluate_translation_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "Java-C++"
    folder.mkdir()
    java = "class A { public static void main ( String [ ] a ) { } }"
    cpp = "int main ( ) { return 0 ; }"
    (folder / "test-Java-C++-tok.java.txt").write_text(f"{java}\n{java}\n")
    (folder / "test-Java-C++-tok.cpp.txt").write_text(f"{cpp}\n{cpp}\n")
    (folder / "test-Java-map.jsonl").write_text("1\n2\n")
    samples = tmp_path / "samples.jsonl"
    rows = [
        {"problem_id": "test/1", "sample_index": 0, "completion": "int main ( ) { return 0 ; }"},
        {"problem_id": "test/2", "sample_index": 0, "completion": "int main ( ) { return 0"},
    ]
    samples.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "report"
    args = ["evaluate", "--task", "translation", "--problems", f"xlcost:{folder}@test"]
    assert main([*args, "--samples", str(samples), "--out", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["task"] == "translation"
    assert report["metrics"]["compile_rate"] == 0.5
    assert report["metrics"]["exact_match"] == 0.5
    assert "| compile_rate | 0.5000 |" in capsys.readouterr().out


def test_evaluate_completion_cli(tmp_path: Path) -> None:
    code = "def f(x):\n    y = x + 1\n    return y * 2\n"
    rows = [
        {"text": "Double.", "code": code, "task_id": 11, "test_list": ["assert f(1) == 4"]},
        {"text": "Short.", "code": "f = 1", "task_id": 12, "test_list": ["assert f == 1"]},
    ]
    data = tmp_path / "mbpp.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    samples = tmp_path / "samples.jsonl"
    # the last 4 tokens ("return y * 2") masked; the sample writes "return y*2"
    samples.write_text(
        json.dumps({"problem_id": "11", "sample_index": 0, "completion": "return y*2"})
    )
    out = tmp_path / "report"
    args = ["evaluate", "--task", "completion", "--mask-tokens", "4", "--problems", f"mbpp:{data}"]
    assert main([*args, "--samples", str(samples), "--out", str(out)]) == 0
    metrics = json.loads((out / "report.json").read_text())["metrics"]
    assert metrics["problems"] == 1  # "f = 1" has only 3 tokens: left out
    assert metrics["exact_match"] == 1.0 and metrics["compile_rate"] == 1.0
    assert metrics["edit_similarity"] == pytest.approx(1 - 2 / len("return y * 2"))
