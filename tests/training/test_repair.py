"""The repair model's data and training: pairs mined from critic data never cross problems, a
fix is always a program that passed, the errors are the example tests' own, and `coderl train
repair` fine-tunes on them."""

from __future__ import annotations

import json

import pytest

from coderl.errors import ConfigError, DataError
from coderl.execution.judge import Judge
from coderl.execution.types import Submission
from coderl.generation.postprocess import program_from_completion
from coderl.generation.repair import RepairError
from coderl.problems import load_problems
from coderl.training.repair import (
    ProgramRecord,
    RepairConfig,
    mine_repair_pairs,
    read_program_records,
    repair_examples,
    with_example_errors,
)

GOOD = {
    "add": "def add(a, b):\n    return a + b\n",
    "sub": "def sub(a, b):\n    return a - b\n",
}
BAD = {
    "add": ["def add(a, b):\n    return a - b\n", "def add(a, b)\n    return a\n"],
    "sub": ["def sub(a, b):\n    return b - a\n"],
    "neg": ["def neg(x):\n    return x\n"],  # no passing program: no pair
}


def mbpp_row(task_id: int, name: str, tests: list[str]) -> dict:
    return {
        "task_id": task_id,
        "text": f"Write a function {name}.",
        "code": GOOD.get(name, ""),
        "test_setup_code": "",
        "test_list": tests,
        "challenge_test_list": [],
    }


def mbpp_rows() -> list[dict]:
    return [
        mbpp_row(1, "add", ["assert add(1, 2) == 3", "assert add(0, 0) == 0"]),
        mbpp_row(2, "sub", ["assert sub(3, 1) == 2"]),
        mbpp_row(3, "neg", ["assert neg(1) == -1"]),
    ]


@pytest.fixture(scope="module")
def problems(tmp_path_factory):
    path = tmp_path_factory.mktemp("repair") / "mbpp.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in mbpp_rows()))
    return load_problems(f"mbpp:{path}").by_id()


def records(problems) -> list[ProgramRecord]:
    ids = {name: pid for pid, p in problems.items() for name in GOOD | BAD if name in p.statement}
    out = [ProgramRecord(ids["add"], GOOD["add"], "passed")]
    out += [ProgramRecord(ids[name], code, "wrong_answer") for name in BAD for code in BAD[name]]
    out.append(ProgramRecord(ids["sub"], "def sub(a, b):\n    return a - b  \n", "passed"))
    out.append(ProgramRecord(ids["add"], "while True: pass\n", "infra_error"))
    return out


def test_pairs_stay_within_a_problem_and_every_fix_really_passes(problems):
    pairs = mine_repair_pairs(records(problems), problems, fixes_per_failure=2)
    assert pairs
    failing = {(r.problem_id, r.completion) for r in records(problems) if r.verdict != "passed"}
    for pair in pairs:
        assert (pair.problem_id, pair.failed) in failing  # the failed program is that problem's
        assert pair.failed != pair.fixed
    assert "while True: pass\n" not in {p.failed for p in pairs}  # infra_error: no label
    assert not [p for p in pairs if "neg" in problems[p.problem_id].statement]
    with Judge() as judge:
        judged = judge.run(
            [
                Submission(
                    problems[p.problem_id],
                    program_from_completion(problems[p.problem_id], p.fixed),
                    i,
                )
                for i, p in enumerate(pairs)
            ]
        )
    assert all(j.passed for j in judged), [(p.fixed, j.verdict) for p, j in zip(pairs, judged)]


def test_fixes_spread_over_the_passing_programs_and_references_count(problems):
    pairs = mine_repair_pairs(records(problems), problems, fixes_per_failure=2)
    add_id = next(pid for pid, p in problems.items() if "add" in p.statement)
    add_pairs = [p for p in pairs if p.problem_id == add_id]
    # two failures x two distinct fixes: the sampled passing program and the reference
    # solution are the same text here, so each failure gets the one distinct fix
    assert len(add_pairs) == 2 and {p.fixed for p in add_pairs} == {GOOD["add"]}
    without = mine_repair_pairs(records(problems), problems, references=False)
    sub_id = next(pid for pid, p in problems.items() if "sub" in p.statement)
    assert {p.fixed for p in without if p.problem_id == sub_id} == {
        "def sub(a, b):\n    return a - b  \n"
    }
    capped = mine_repair_pairs(records(problems), problems, max_pairs_per_problem=1)
    assert len([p for p in capped if p.problem_id == add_id]) == 1


def test_a_record_of_another_problem_set_is_an_error(problems):
    stray = [ProgramRecord("humaneval/0", "x", "passed")]
    with pytest.raises(DataError, match="humaneval/0"):
        mine_repair_pairs(stray, problems)


def test_errors_come_from_the_example_tests_as_critic_sampling_shows_them(problems):
    mbpp = dict(problems)
    assert all(p.example_tests for p in mbpp.values())
    updated = with_example_errors(records(problems), mbpp, cpu_time_s=1.0)
    by_code = {r.completion: r.error for r in updated}
    assert by_code["def add(a, b)\n    return a\n"].type == "SyntaxError"
    assert by_code["def add(a, b):\n    return a - b\n"].type == "wrong_answer"
    assert by_code[GOOD["add"]] is None  # passing programs are not judged again
    examples = repair_examples(mine_repair_pairs(updated, mbpp), mbpp, style=None).examples
    assert any("### Error: SyntaxError:" in e.prompt for e in examples)


def test_read_program_records_takes_critic_data_lines_and_names_bad_ones(tmp_path):
    path = tmp_path / "critic.jsonl"
    line = {"problem_id": "a", "source": "sample", "completion": "x", "verdict": "wrong_answer"}
    error = {"type": "NameError", "message": "name 'y' is not defined", "line": 2}
    path.write_text(json.dumps(line) + "\n" + json.dumps({**line, "error": error}) + "\n")
    first, second = read_program_records(path)
    assert first.error is None
    assert second.error == RepairError("NameError", "name 'y' is not defined", 2)
    path.write_text(json.dumps({"problem_id": "a"}) + "\n")
    with pytest.raises(DataError, match=r"critic\.jsonl:1"):
        read_program_records(path)


def test_repair_config_checks_name_the_field():
    with pytest.raises(ConfigError, match="fixes_per_failure"):
        RepairConfig(model="m", problems="p", critic_data="d", fixes_per_failure=0)
    with pytest.raises(ConfigError, match="max_steps"):
        RepairConfig(model="m", problems="p", critic_data="d", max_steps=0)


def test_train_repair_fine_tunes_on_the_mined_pairs(tiny_causal_dir, problems, tmp_path):
    from coderl.training.repair import train_repair

    data = tmp_path / "critic.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {"problem_id": r.problem_id, "completion": r.completion, "verdict": r.verdict}
            )
            + "\n"
            for r in records(problems)
        )
    )
    mbpp_path = tmp_path / "mbpp.jsonl"
    mbpp_path.write_text("".join(json.dumps(r) + "\n" for r in mbpp_rows()))
    config = RepairConfig(
        model=str(tiny_causal_dir),
        problems=f"mbpp:{mbpp_path}",
        critic_data=str(data),
        output_dir=str(tmp_path / "repair"),
        max_steps=2,
        batch_size=2,
        max_seq_len=256,
        device="cpu",
    )
    result = train_repair(config, progress=False)
    assert result.steps == 2 and result.num_examples == len(
        mine_repair_pairs(records(problems), problems)
    )
    assert (result.checkpoint / "config.json").is_file()
    assert (tmp_path / "repair" / "repair_config.yaml").is_file()
