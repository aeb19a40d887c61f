"""CodeRL's actor-critic: the loss by hand, the update on a handmade rollout, and both modes
end to end on a tiny model with exact resume."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pytest
import torch
from safetensors.torch import load_file

from coderl.errors import ConfigError
from coderl.models import OutcomeCritic, load_policy
from coderl.problems import load_problems
from coderl.training.actor_critic import (
    CodeRLLearner,
    critic_weighted_loss,
    offline_samples,
    train_coderl,
)
from coderl.training.checkpoint import list_checkpoints
from coderl.training.coderl_config import CodeRLConfig
from coderl.training.configs import CheckpointConfig
from coderl.training.critic_data import CriticRecord
from coderl.training.metrics_log import read_metrics
from coderl.training.rl_configs import EvalConfig, RewardConfig, RolloutConfig
from coderl.training.rollout import build_rollout
from coderl.training.timers import Timers


def test_loss_against_a_hand_computed_case():
    logprobs = torch.tensor([[-1.0, -2.0], [-0.5, -3.0]], requires_grad=True)
    q = torch.tensor([[0.5, 1.0], [0.2, 0.4]])
    advantages = torch.tensor([2.0, -1.0])
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    loss = critic_weighted_loss(logprobs, q, advantages, mask)
    # -(2 * (0.5 * -1 + 1 * -2) + -1 * (0.2 * -0.5)) / 2 = -(-5 + 0.1) / 2
    assert loss.item() == pytest.approx(2.45)
    loss.backward()
    # d/d logp_it = -A_i q_it / N on real tokens, 0 on padding
    expected = torch.tensor([[-0.5, -1.0], [0.1, 0.0]])
    torch.testing.assert_close(logprobs.grad, expected)
    # as one micro-batch of a rollout of 4 programs: divided by 4, not 2
    assert critic_weighted_loss(logprobs, q, advantages, mask, 4).item() == pytest.approx(1.225)


def _config(model_dir, output_dir, **changes) -> CodeRLConfig:
    config = CodeRLConfig(
        model=str(model_dir),
        problems="synthetic@train[0:6]",
        output_dir=str(output_dir),
        max_steps=2,
        device="cpu",
        micro_batch_size=4,
        ce_batch_size=2,
        max_seq_len=256,
        samples_per_step=4,
        rollout=RolloutConfig(prompts_per_step=2, group_size=2, max_new_tokens=8, batch_size=8),
        optim=replace(CodeRLConfig.__dataclass_fields__["optim"].default_factory(), lr=1e-3),
        checkpoint=CheckpointConfig(every_steps=1, keep_last=None),
    )
    return replace(config, **changes)


def _critic_dir(tiny_causal_dir, tmp_path):
    policy = load_policy(str(tiny_causal_dir))
    torch.manual_seed(1)
    critic = OutcomeCritic(policy.model, policy.tokenizer, False, 4)
    critic.save_pretrained(tmp_path / "critic")
    return tmp_path / "critic"


def _records_file(tmp_path):
    """Per problem: a greedy program (wrong answer) and samples of every outcome."""
    problems = load_problems("synthetic@train[0:3]").problems
    rows = []
    for problem in problems:
        name = problem.entry_point or "solve"
        outcomes = {
            "passed": (problem.solutions[0], 1.0),
            "compile_error": (f"def {name}(n):\n    return (\n", -1.0),
            "runtime_error": (f"def {name}(n):\n    return n / 0\n", -0.6),
            "infra_error": ("", None),
        }
        rows.append(
            CriticRecord(
                problem.id, "greedy", "Q:" + name, "def f(): pass\n", "", "wrong_answer", -0.3
            )
        )
        for verdict, (code, reward) in outcomes.items():
            rows.append(
                CriticRecord(problem.id, "sample", "Q:" + name, code, code, verdict, reward)
            )
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows))
    return path


def test_update_weights_tokens_by_the_critic(tiny_causal_dir, tmp_path):
    policy = load_policy(str(tiny_causal_dir), device="cpu", for_training=True)
    config = _config(
        tiny_causal_dir, tmp_path / "run", critic=str(_critic_dir(tiny_causal_dir, tmp_path))
    )
    learner = CodeRLLearner(policy, config)
    data = offline_samples(str(_records_file(tmp_path)), policy)
    assert len(data.samples) == 9 and data.skipped == 3  # infra_error programs left out
    rollout = build_rollout(list(data.samples[:3]), policy.tokenizer.pad_token_id, True)
    before = {k: v.clone() for k, v in policy.model.state_dict().items()}
    metrics = learner.update(rollout, step=1, timers=Timers())
    assert any(not torch.equal(before[k], v) for k, v in policy.model.state_dict().items())
    scores = learner._token_scores(rollout)
    real = rollout.completion_mask.bool()
    assert torch.all((scores[real] > 0) & (scores[real] < 1)) and torch.all(scores[~real] == 0)
    assert metrics["train/share_passed"] == pytest.approx(1 / 3)
    assert metrics["train/advantage_passed"] == pytest.approx(1.3)
    assert 0 < metrics["train/q_compile_error"] < 1
    assert metrics["train/loss_ce"] > 0
    # without a critic, q_t = 1 on every real token (the no-critic ablation)
    ablation = CodeRLLearner(policy, replace(config, critic=None))
    torch.testing.assert_close(ablation._token_scores(rollout), rollout.completion_mask)


def test_critic_with_another_tokenizer_is_refused(tiny_causal_dir, tmp_path):
    from coderl.models import build_tiny_causal

    other = build_tiny_causal(vocab_size=300, hidden=32, layers=1)
    critic = OutcomeCritic(other.model, other.tokenizer, False, 2)
    critic.save_pretrained(tmp_path / "other")
    policy = load_policy(str(tiny_causal_dir), for_training=True)
    with pytest.raises(ConfigError, match="tokenizer differs"):
        CodeRLLearner(policy, _config(tiny_causal_dir, tmp_path, critic=str(tmp_path / "other")))


def test_online_run_logs_outcome_classes(tiny_causal_dir, tmp_path):
    critic = _critic_dir(tiny_causal_dir, tmp_path)
    config = _config(
        tiny_causal_dir,
        tmp_path / "online",
        critic=str(critic),
        eval=EvalConfig(problems="synthetic@test[0:2]", every_steps=2),
    )
    result = train_coderl(config, progress=False)
    assert result.steps == 2 and [s for s, _ in result.eval_history] == [0, 2]
    step = read_metrics(tmp_path / "online" / "metrics.jsonl")[1]
    for key in ("train/loss_rl", "train/loss_ce", "train/baseline", "time/critic", "time/sample"):
        assert key in step, key
    assert sum(v for k, v in step.items() if k.startswith("train/share_")) == pytest.approx(1.0)


@pytest.mark.parametrize("mode", ["online", "offline"])
def test_resumed_run_equals_an_uninterrupted_one(tiny_causal_dir, tmp_path, mode):
    critic = _critic_dir(tiny_causal_dir, tmp_path)
    extra = {"mode": mode, "critic": str(critic), "offline_data": str(_records_file(tmp_path))}
    whole = train_coderl(_config(tiny_causal_dir, tmp_path / "whole", **extra), progress=False)
    half = _config(tiny_causal_dir, tmp_path / "half", **extra, max_steps=1)
    train_coderl(half, progress=False)
    resumed = train_coderl(replace(half, max_steps=2), resume=True, progress=False)
    assert [p.name for p in list_checkpoints(tmp_path / "half")] == ["step_1", "step_2"]
    a = load_file(whole.checkpoint / "model.safetensors")
    b = load_file(resumed.checkpoint / "model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert resumed.reward_history == whole.reward_history


def test_config_errors_name_the_field(tiny_causal_dir):
    with pytest.raises(ConfigError, match="offline_data"):
        CodeRLConfig(model="m", problems="p", mode="offline")
    with pytest.raises(ConfigError, match=r"reward\.name"):
        CodeRLConfig(model="m", problems="p", reward=RewardConfig(name="binary"))
