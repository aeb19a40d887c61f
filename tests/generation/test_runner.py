import json

import torch

from coderl.generation import SamplingConfig
from coderl.generation.runner import build_prompts, default_stops, generate_samples
from coderl.models import build_tiny_causal
from coderl.problems.types import Problem, TestCase

torch.set_num_threads(1)

PROBLEMS = [
    Problem(
        id=f"p{i}", source="apps", statement=f"Print {i}.", tests=(TestCase.stdio("", f"{i}\n"),)
    )
    for i in range(3)
]
CONFIG = SamplingConfig(n=2, max_new_tokens=6, batch_size=4, seed=5)


def read(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_writes_n_records_per_problem_and_resumes(tmp_path):
    policy = build_tiny_causal()
    path = tmp_path / "out" / "samples.jsonl"
    summary = generate_samples(policy, PROBLEMS, path, CONFIG, progress=False)
    assert (summary.problems, summary.skipped, summary.written) == (3, 0, 6)
    records = read(path)
    assert sorted((r["problem_id"], r["sample_index"]) for r in records) == [
        (f"p{i}", j) for i in range(3) for j in range(2)
    ]
    assert all(r["program"] == r["completion"] and r["num_tokens"] == 6 for r in records)

    again = generate_samples(policy, PROBLEMS, path, CONFIG, progress=False)
    assert (again.skipped, again.written) == (3, 0)

    # drop one sample of p1: only that index is redrawn, and it is the same sample
    lost = next(r for r in records if (r["problem_id"], r["sample_index"]) == ("p1", 1))
    path.write_text("".join(json.dumps(r) + "\n" for r in records if r is not lost))
    resumed = generate_samples(policy, PROBLEMS, path, CONFIG, progress=False)
    assert (resumed.skipped, resumed.written) == (2, 1)
    assert read(path)[-1] == lost


def test_chat_prompts_use_the_chat_template():
    policy = build_tiny_causal()
    (prompt,) = build_prompts(policy, PROBLEMS[:1], "chat")
    assert prompt.startswith("<|user|>\n") and prompt.endswith("<|assistant|>\n")
    assert "Print 0." in prompt


def test_default_stops_follow_the_prompt_style():
    humaneval = Problem(id="h", source="humaneval", statement="", code_prefix="def f():\n")
    assert "\ndef " in default_stops([humaneval], None)
    assert default_stops([humaneval], "chat") == ()
    assert default_stops([humaneval, PROBLEMS[0]], None) == ()


def test_problems_with_the_same_prompt_get_different_samples_also_when_resumed(tmp_path):
    policy = build_tiny_causal()
    twins = [
        Problem(id=f"twin{i}", source="apps", statement="Print 7.", tests=PROBLEMS[0].tests)
        for i in range(3)
    ]
    config = SamplingConfig(n=2, max_new_tokens=8, batch_size=2, seed=5)  # one problem a call
    path = tmp_path / "samples.jsonl"
    generate_samples(policy, twins, path, config, progress=False)
    records = read(path)
    assert len({r["completion"] for r in records}) == 6
    # lose twin2 entirely: it is redrawn as the third copy, not as the first
    path.write_text("".join(json.dumps(r) + "\n" for r in records if r["problem_id"] != "twin2"))
    generate_samples(policy, twins, path, config, progress=False)
    assert read(path) == records
