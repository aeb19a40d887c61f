import json

import pytest

from coderl.errors import ConfigError, DataError
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig, Limits
from coderl.generation.sampler import Sample
from coderl.problems import load_problems
from coderl.training.critic_data import (
    CriticDataConfig,
    _judged,
    class_counts,
    collect_critic_data,
    load_records,
)


def _sample(text: str) -> Sample:
    return Sample(text=text, token_ids=(1,), logprobs=(0.0,), finished=True, prompt_index=0)


def test_records_are_labelled_by_the_real_judge():
    problem = load_problems("synthetic@train[0:1]").problems[0]
    name = problem.entry_point
    completions = {
        "passed": problem.solutions[0],
        "wrong_answer": f"def {name}(n):\n    return 12345\n",
        "runtime_error": f"def {name}(n):\n    return n / 0\n",
        "compile_error": f"def {name}(n):\n    return (n\n",
    }
    candidates = [(problem, "prompt", "sample", _sample(text)) for text in completions.values()]
    with Judge(JudgeConfig(limits=Limits(cpu_time_s=2.0), workers=2)) as judge:
        records = _judged(judge, candidates)
    assert [r.verdict for r in records] == list(completions)
    assert [r.label(4) for r in records] == [3, 2, 1, 0]
    assert [r.label(2) for r in records] == [1, 0, 0, 0]
    assert [r.reward for r in records] == [1.0, -0.3, -0.6, -1.0]
    assert records[1].completion == completions["wrong_answer"]


def test_collect_labels_then_resumes(tiny_causal_dir, tmp_path, capsys):
    out = tmp_path / "critic.jsonl"
    config = CriticDataConfig(
        policy=str(tiny_causal_dir),
        problems="synthetic@train[0:2]",
        out=str(out),
        n=2,
        max_new_tokens=8,
        device="cpu",
        workers=2,
    )
    stats = collect_critic_data(config, progress=False)
    records = load_records(out)
    problems = load_problems("synthetic@train[0:2]").problems
    references = sum(len(p.solutions) for p in problems)
    assert len(records) == 2 * (2 + 1) + references
    assert {r.source for r in records} == {"sample", "greedy", "reference"}
    assert all(r.verdict == "passed" for r in records if r.source == "reference")
    assert stats.resumed == 0 and sum(stats.counts.values()) + stats.dropped == len(records)
    assert stats.counts["passed"] >= references
    # a crash cut the last line: it is dropped, and only the new problem is sampled
    out.write_text(out.read_text() + '{"problem_id": "synthetic/tr')
    more = collect_critic_data(
        CriticDataConfig(**{**config.__dict__, "problems": "synthetic@train[0:3]"}),
        progress=False,
    )
    again = load_records(out)
    assert more.resumed == 2 and more.problems == 3
    assert again[: len(records)] == records
    assert {r.problem_id for r in again[len(records) :]} == {problems[0].id.replace("0000", "0002")}
    assert class_counts(again) == (more.counts, more.dropped)
    # other label settings would mix two distributions in one file: refused, file untouched
    before = out.read_text()
    hotter = CriticDataConfig(**{**config.__dict__, "temperature": 0.5})
    with pytest.raises(ConfigError, match=r"temperature = 1\.0, not 0\.5"):
        collect_critic_data(hotter, progress=False)
    assert out.read_text() == before


def test_bad_record_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"problem_id": "x"}) + "\n")
    with pytest.raises(DataError, match=r"bad\.jsonl:1"):
        load_records(path)


def test_cli_prints_the_class_balance(tiny_causal_dir, tmp_path, capsys):
    from coderl.cli.main import main

    out = tmp_path / "cli.jsonl"
    argv = ["critic", "data", "--policy", str(tiny_causal_dir), "--problems"]
    argv += ["synthetic@train[0:1]", "--n", "1", "--max-new-tokens", "4", "--out", str(out)]
    assert main([*argv, "--device", "cpu", "--workers", "1", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "labelled programs of 1 problems" in printed and "passed" in printed
    assert len(load_records(out)) >= 3  # a sample, the greedy program, the reference(s)
    assert main(["critic", "data", "--problems", "synthetic@train[0:1]", "--out", str(out)]) == 2
