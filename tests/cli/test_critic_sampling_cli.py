"""`coderl generate --strategy critic|plain --budget` and `coderl evaluate` on their files: a
tiny end-to-end run (tiny Llama, an untrained critic head saved as a critic folder, the judge)."""

from __future__ import annotations

import json

import pytest
import torch

from coderl.cli.main import main
from coderl.models import build_tiny_causal

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from coderl.models.critic import OutcomeCritic

    root = tmp_path_factory.mktemp("cs")
    policy = build_tiny_causal(seed=2)
    policy.model.save_pretrained(root / "model")
    policy.tokenizer.save_pretrained(root / "model")
    torch.manual_seed(0)
    OutcomeCritic(policy.model, policy.tokenizer, False, num_classes=2).save_pretrained(
        root / "critic"
    )
    return root


def run(*argv: str) -> int:
    return main([*argv, "--no-progress"])


def generate(root, out, *extra: str) -> int:
    return run(
        "generate",
        "--model",
        str(root / "model"),
        "--problems",
        "synthetic@test[0:3]",
        "--out",
        str(out),
        "--n",
        "4",
        "--max-new-tokens",
        "16",
        "--set",
        "judge.workers=1",
        *extra,
    )


def records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_critic_then_plain_at_its_budget_then_evaluate(setup, tmp_path, capsys):
    critic_out, plain_out = tmp_path / "critic.jsonl", tmp_path / "plain.jsonl"
    code = generate(
        setup, critic_out, "--strategy", "critic", "--critic", str(setup / "critic"),
        "--repair", str(setup / "model"),
    )  # fmt: skip
    assert code == 0
    critic_budget = json.loads((tmp_path / "critic.jsonl.budget.json").read_text())
    written = records(critic_out)
    assert critic_budget["programs"] == len(written)
    assert critic_budget["tokens"] == sum(r["num_tokens"] for r in written)
    assert {r["origin"] for r in written} == {"sample", "repair"}  # nothing passes: repair
    assert generate(setup, plain_out, "--budget", str(tmp_path / "critic.jsonl.budget.json")) == 0
    plain_budget = json.loads((tmp_path / "plain.jsonl.budget.json").read_text())
    assert plain_budget["strategy"] == "plain"
    for pid, spent in critic_budget["per_problem"].items():  # equal cost, problem by problem
        assert plain_budget["per_problem"][pid]["tokens"] == spent["tokens"]
    assert plain_budget["tokens"] == sum(r["num_tokens"] for r in records(plain_out))

    for name, out in (("critic", critic_out), ("plain", plain_out)):
        folder = tmp_path / f"report-{name}"
        code = run(
            "evaluate", "--problems", "synthetic@test[0:3]", "--samples", str(out),
            "--out", str(folder), "--k", "1,4", "--n-at-k", "1@4,2@4", "--cpu-time", "1",
        )  # fmt: skip
        assert code == 0
        report = json.loads((folder / "report.json").read_text())
        assert report["budget"]["k"] == 4 and report["budget"]["strategy"] == name
        assert report["budget"]["tokens"] == critic_budget["tokens"]
        assert {"pass@1", "pass@4", "1@4", "2@4"} <= set(report["by_difficulty"]["all"])
        assert report["samples"] == report["budget"]["programs"]


def test_critic_strategy_errors_name_the_flag(setup, tmp_path, capsys):
    assert generate(setup, tmp_path / "x.jsonl", "--strategy", "critic") != 0
    assert "--critic" in capsys.readouterr().err
    assert generate(setup, tmp_path / "x.jsonl", "--critic", str(setup / "critic")) != 0
    assert "--strategy critic" in capsys.readouterr().err
    assert generate(setup, tmp_path / "x.jsonl", "--budget", str(tmp_path / "none.json")) != 0
    assert "none.json" in capsys.readouterr().err
