"""The XLCoST loader and its detokeniser, on a small pair folder written here and (marked
``shared_data``) on the real data."""

from __future__ import annotations

from pathlib import Path

import pytest

from coderl.errors import DataError
from coderl.problems import load_problems
from coderl.problems.loaders.xlcost import detokenize_xlcost
from coderl.problems.prompts import build_chat_messages, build_prompt

JAVA = (
    "class GFG { static int sq ( int x ) { return x * x ; } public static void main ( String"
    ' [ ] args ) { System . out . println ( " sq : ▁ " + sq ( 3 ) ) ; } }'
)
CPP = (
    "#include <iostream> NEW_LINE using namespace std ; int sq ( int x ) { return x * x ; }"
    ' int main ( ) { cout << " sq : ▁ " << sq ( 3 ) ; return 0 ; }'
)
PYTHON = (
    "def sq ( x ) : NEW_LINE INDENT if x < 0 : NEW_LINE INDENT x = - x NEW_LINE DEDENT "
    "return x * x NEW_LINE DEDENT print ( ' a ▁ b ' , sq ( 3 ) ) NEW_LINE"
)


def _pair_folder(root: Path) -> Path:
    folder = root / "Java-C++"
    folder.mkdir()
    for split in ("val", "test"):
        (folder / f"{split}-Java-C++-tok.java.txt").write_text(f"{JAVA}\n{JAVA}\n")
        (folder / f"{split}-Java-C++-tok.cpp.txt").write_text(f"{CPP}\n{CPP}\n")
        (folder / f"{split}-Java-map.jsonl").write_text("7\n9\n")
    return folder


def test_detokenize_restores_lines_literals_and_python_indentation() -> None:
    assert detokenize_xlcost(CPP) == (
        "#include <iostream>\nusing namespace std ; int sq ( int x ) { return x * x ; }"
        ' int main ( ) { cout << "sq: " << sq ( 3 ) ; return 0 ; }'
    )
    assert detokenize_xlcost(PYTHON, "python") == (
        "def sq ( x ) :\n    if x < 0 :\n        x = - x\n    return x * x\n"
        "print ( 'a b' , sq ( 3 ) )"
    )
    compile(detokenize_xlcost(PYTHON, "python"), "<xlcost>", "exec")


def test_loader_pairs_source_and_target_both_ways(tmp_path: Path) -> None:
    folder = _pair_folder(tmp_path)
    java_to_cpp = load_problems(f"xlcost:{folder}@val").problems
    assert [p.id for p in java_to_cpp] == ["val/7", "val/9"]
    first = java_to_cpp[0]
    assert (first.language, first.metadata["source_language"]) == ("cpp", "java")
    assert first.statement == detokenize_xlcost(JAVA, "java")
    assert first.solutions == (detokenize_xlcost(CPP, "cpp"),)
    cpp_to_java = load_problems(f"xlcost-reverse:{folder}@test[1:2]").problems
    assert [(p.id, p.language) for p in cpp_to_java] == [("test/9", "java")]
    assert len(load_problems(f"xlcost:{folder}").problems) == 4  # every split present


def test_translation_prompts_name_both_languages(tmp_path: Path) -> None:
    problem = load_problems(f"xlcost:{_pair_folder(tmp_path)}@val").problems[0]
    base = build_prompt(problem)
    assert base.startswith("Translate this Java program to C++.\n\nJava:\n```java\nclass GFG")
    assert base.endswith("\nC++:\n```cpp\n")
    (message,) = build_chat_messages(problem)
    assert message["role"] == "user"
    assert "```java\nclass GFG" in message["content"]
    assert message["content"].endswith("Answer with exactly one C++ code block (```cpp ... ```).")


def test_bad_folders_and_splits_fail_clearly(tmp_path: Path) -> None:
    folder = _pair_folder(tmp_path)
    with pytest.raises(DataError, match="unknown split 'dev'"):
        load_problems(f"xlcost:{folder}@dev")
    odd = tmp_path / "Java-Rust"
    odd.mkdir()
    with pytest.raises(DataError, match="folder 'Java-Rust' is not A-B"):
        load_problems(f"xlcost:{odd}")
    (folder / "val-Java-map.jsonl").write_text("7\n")
    with pytest.raises(DataError, match="must align line by line"):
        load_problems(f"xlcost:{folder}@val")


@pytest.mark.shared_data
def test_real_xlcost_java_cpp(shared_data: Path) -> None:
    folder = shared_data / "xlcost" / "Java-C++"
    val = load_problems(f"xlcost:{folder}@val").problems
    test = load_problems(f"xlcost-reverse:{folder}@test").problems
    assert (len(val), len(test)) == (792, 792)
    assert all("NEW_LINE" not in p.solutions[0] and "▁" not in p.statement for p in val)
    assert {p.language for p in test} == {"java"}
