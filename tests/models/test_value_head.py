"""The value head on real tiny policies (causal and encoder-decoder), and its checkpoint."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from coderl.models import build_tiny_causal, build_tiny_seq2seq
from coderl.models.value_head import ValueHead, hidden_size_of
from coderl.training.checkpoint import load_train_state, save_checkpoint
from coderl.training.rollout import Rollout, completion_forward


def _rollout(prompt_ids, completion_ids, completion_mask) -> Rollout:
    n = len(prompt_ids)
    return Rollout(
        prompt_ids=prompt_ids,
        prompt_mask=torch.ones(prompt_ids.shape),
        completion_ids=completion_ids,
        completion_mask=completion_mask,
        behaviour_logprobs=torch.zeros(completion_ids.shape),
        rewards=torch.zeros(n),
        group_ids=torch.zeros(n, dtype=torch.long),
        finished=torch.ones(n, dtype=torch.bool),
        verdicts=("passed",) * n,
        problem_ids=("p",) * n,
    )


def test_one_value_per_generated_token_for_both_kinds_of_policy():
    for policy in (build_tiny_causal(hidden=32, heads=2), build_tiny_seq2seq(hidden=32, heads=2)):
        policy.model.eval()
        rollout = _rollout(
            torch.tensor([[5, 6, 7], [8, 9, 10]]),
            torch.tensor([[11, 12, 13, 14], [15, 16, 0, 0]]),
            torch.tensor([[1.0, 1, 1, 1], [1, 1, 0, 0]]),
        )
        with torch.no_grad():
            logits, hidden = completion_forward(
                policy.model, rollout, policy.is_encoder_decoder, hidden=True
            )
        size = hidden_size_of(policy.model)
        assert size == 32 and logits.shape[:2] == (2, 4) and hidden.shape == (2, 4, size)
        head = ValueHead(size)
        assert torch.equal(head(hidden), torch.zeros(2, 4))  # starts with no opinion
        torch.nn.init.normal_(head.linear.weight)
        values = head(hidden)
        assert values.shape == (2, 4) and values.abs().sum() > 0


def test_dropout_only_while_training():
    head = ValueHead(8, dropout=0.5)
    torch.nn.init.ones_(head.linear.weight)
    hidden = torch.ones(1, 50, 8)
    head.eval()
    assert torch.equal(head(hidden), torch.full((1, 50), 8.0))
    head.train()
    assert not torch.equal(head(hidden), torch.full((1, 50), 8.0))


@dataclass(frozen=True)
class _State:
    step: int = 0


def test_value_head_and_its_optimizer_round_trip_through_a_checkpoint(tmp_path):
    policy = build_tiny_causal(hidden=32, heads=2)
    head = ValueHead(hidden_size_of(policy.model))
    optimizer = torch.optim.AdamW(head.parameters(), lr=0.1)
    head(torch.randn(2, 3, hidden_size_of(policy.model))).sum().backward()
    optimizer.step()
    policy_optimizer = torch.optim.AdamW(policy.model.parameters())
    checkpoint = save_checkpoint(
        tmp_path,
        _State(step=1),
        policy.model,
        policy.tokenizer,
        policy_optimizer,
        _State(),  # stands in for the run config
        modules={"value_head": head},
        optimizers={"value_head": optimizer},
    )
    fresh = ValueHead(hidden_size_of(policy.model))
    fresh_optimizer = torch.optim.AdamW(fresh.parameters(), lr=0.1)
    state = load_train_state(
        checkpoint,
        torch.optim.AdamW(policy.model.parameters()),
        _State,
        modules={"value_head": fresh},
        optimizers={"value_head": fresh_optimizer},
    )
    assert state.step == 1
    assert all(
        torch.equal(a, b) for a, b in zip(head.state_dict().values(), fresh.state_dict().values())
    )
    assert fresh_optimizer.state_dict()["state"][0]["step"] == 1
