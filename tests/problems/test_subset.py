"""The shortest problems of a set (`coderl.problems.subset`) and `coderl problems --out`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coderl.cli.main import main
from coderl.problems import Problem, load_problems
from coderl.problems.prompts import build_prompt
from coderl.problems.subset import shortest_problems

JAVA = {
    "a": "int f ( ) { return 1 ; }",
    "b": "int g ( int x ) { return x + x + x + x ; }",
    "c": "int h ( ) { return 2 ; }",
    "d": "void main ( ) { }",
}
CPP = {
    "a": "int f ( ) { return 1 ; }",
    "b": "int g ( int x ) { return x + x + x + x ; }",
    "c": "int h ( ) { return 2 ; }",
    "d": "int main ( ) { int unused = 0 ; return 0 ; }",
}


def _words(text: str) -> int:
    return len(text.split())


def _problem(key: str, solutions: tuple[str, ...] | None = None) -> Problem:
    return Problem(
        id=key,
        source="xlcost",
        statement=JAVA[key],
        solutions=(CPP[key],) if solutions is None else solutions,
        language="cpp",
        metadata={"source_language": "java"},
    )


def test_shortest_first_ties_in_order_and_every_left_out_problem_counted() -> None:
    problems = [_problem(k) for k in "abcd"] + [_problem("a", solutions=())]
    lengths = {p.id: _words(build_prompt(p)) + _words(p.solutions[0]) for p in problems[:4]}
    assert lengths["a"] == lengths["c"] < lengths["d"] < lengths["b"]

    subset = shortest_problems(problems, _words, count=2)
    assert [p.id for p in subset.problems] == ["a", "c"]  # a tie keeps the set's order
    assert subset.beyond_count == ("d", "b")
    assert subset.without_solutions == ("a",) and subset.too_long == ()

    capped = shortest_problems(problems, _words, max_tokens=lengths["d"])
    assert [p.id for p in capped.problems] == ["a", "c", "d"]
    assert capped.too_long == ("b",) and capped.beyond_count == ()


def test_bad_count_is_an_error() -> None:
    with pytest.raises(ValueError, match="count = 0"):
        shortest_problems([_problem("a")], _words, count=0)


def _pair_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "Java-C++"
    folder.mkdir()
    keys = "abcd"
    (folder / "val-Java-C++-tok.java.txt").write_text("".join(JAVA[k] + "\n" for k in keys))
    (folder / "val-Java-C++-tok.cpp.txt").write_text("".join(CPP[k] + "\n" for k in keys))
    (folder / "val-Java-map.jsonl").write_text("".join(f"{k}\n" for k in keys))
    return folder


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory) -> Path:
    from coderl.models import train_code_tokenizer

    tokenizer = train_code_tokenizer(list(JAVA.values()) + list(CPP.values()), vocab_size=300)
    path = tmp_path_factory.mktemp("tokenizer")
    tokenizer.save_pretrained(path)
    return path


def test_cli_writes_the_shortest_pairs_as_jsonl_that_loads_back(
    tmp_path: Path, tokenizer_dir: Path, capsys
) -> None:
    spec = f"xlcost:{_pair_folder(tmp_path)}@val"
    out = tmp_path / "short.jsonl"
    args = ["problems", spec, "--tokenizer", str(tokenizer_dir), "--shortest", "3"]
    assert main([*args, "--out", str(out)]) == 0
    assert "wrote 3 of 4 problems" in capsys.readouterr().out
    written = load_problems(f"jsonl:{out}").problems
    assert "val/b" not in {p.id for p in written}  # the longest pair
    original = load_problems(spec).by_id()
    for problem in written:  # everything a translation run needs survives the round trip
        assert problem == original[problem.id]
        assert build_prompt(problem) == build_prompt(original[problem.id])
    assert len(json.loads(out.read_text().splitlines()[0])["solutions"]) == 1


def test_cli_counting_without_a_tokenizer_fails_before_loading(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.jsonl"
    args = ["problems", "xlcost:/no/such/folder@val", "--shortest", "3", "--out", str(out)]
    assert main(args) == 2
    assert "--tokenizer MODEL" in capsys.readouterr().err
    assert not out.exists()
