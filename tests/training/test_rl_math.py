"""The RL math against hand-computed values (no model)."""

from __future__ import annotations

import math

import pytest
import torch

from coderl.training.rl_math import (
    ADVANTAGE_ESTIMATORS,
    aggregate_loss,
    baseline_advantages,
    clipped_policy_loss,
    drgrpo_advantages,
    grpo_advantages,
    kl_penalty,
    masked_mean,
    masked_var,
    masked_whiten,
    plain_policy_loss,
    rloo_advantages,
)

REWARDS = torch.tensor([1.0, 0.0, 0.0, 1.0, -1.0, -1.0, 0.5])
GROUPS = torch.tensor([0, 0, 0, 0, 1, 1, 2])


def test_masked_statistics_ignore_padding():
    values = torch.tensor([[1.0, 3.0, 100.0], [5.0, -7.0, 9.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert masked_mean(values, mask) == pytest.approx(3.0)  # (1 + 3 + 5) / 3
    assert masked_var(values, mask) == pytest.approx(4.0)  # ((-2)^2 + 0 + 2^2) / 2
    white = masked_whiten(values, mask)
    assert white[mask > 0].tolist() == pytest.approx([-1.0, 0.0, 1.0], abs=1e-6)
    assert white[mask == 0].tolist() == [0.0, 0.0, 0.0]
    assert masked_mean(values, torch.zeros_like(mask)) == 0


def test_grpo_normalises_within_each_group():
    adv = grpo_advantages(REWARDS, GROUPS, eps=1e-4)
    # group 0: mean 0.5, unbiased std sqrt(1/3); group 1 all equal; group 2 a single sample
    std = math.sqrt(1 / 3) + 1e-4
    assert adv[:4].tolist() == pytest.approx([0.5 / std, -0.5 / std, -0.5 / std, 0.5 / std])
    assert adv[4:].tolist() == [0.0, 0.0, 0.0]


def test_drgrpo_only_centres():
    adv = drgrpo_advantages(REWARDS, GROUPS)
    assert adv.tolist() == pytest.approx([0.5, -0.5, -0.5, 0.5, 0.0, 0.0, 0.0])


def test_rloo_is_reward_minus_the_others_mean():
    adv = rloo_advantages(REWARDS, GROUPS)
    # sample 0: 1 - mean(0, 0, 1) = 2/3; sample 1: 0 - mean(1, 0, 1) = -2/3
    assert adv[:4].tolist() == pytest.approx([2 / 3, -2 / 3, -2 / 3, 2 / 3])
    assert adv[4:6].tolist() == [0.0, 0.0]
    assert adv[6] == 0.0  # no sibling: no baseline, no signal


def test_greedy_baseline_subtracts_the_greedy_reward():
    baselines = torch.tensor([0.0, 0.0, 0.0, 0.0, -0.3, -0.3, 1.0])
    assert baseline_advantages(REWARDS, baselines).tolist() == pytest.approx(
        [1.0, 0.0, 0.0, 1.0, -0.7, -0.7, -0.5]
    )
    with pytest.raises(ValueError, match="greedy"):
        ADVANTAGE_ESTIMATORS["greedy_baseline"](REWARDS, GROUPS, None)


def test_group_ids_need_not_be_contiguous_or_sorted():
    rewards = torch.tensor([1.0, 5.0, 0.0, 7.0])
    groups = torch.tensor([3, 9, 3, 9])
    assert drgrpo_advantages(rewards, groups).tolist() == pytest.approx([0.5, -1.0, -0.5, 1.0])


def test_kl_estimators():
    logp = torch.tensor([math.log(0.5), math.log(0.2)])
    ref = torch.tensor([math.log(0.25), math.log(0.4)])
    d = (ref - logp).tolist()  # [log 0.5, log 2]
    assert kl_penalty(logp, ref, "k1").tolist() == pytest.approx([-d[0], -d[1]])
    assert kl_penalty(logp, ref, "k2").tolist() == pytest.approx([d[0] ** 2 / 2, d[1] ** 2 / 2])
    # k3 = r - log r - 1 with r = pi_ref / pi: 0.5 - log 0.5 - 1, 2 - log 2 - 1
    assert kl_penalty(logp, ref, "k3").tolist() == pytest.approx(
        [0.5 - math.log(0.5) - 1, 2 - math.log(2) - 1]
    )
    assert kl_penalty(logp, logp, "k3").tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="k1, k2, k3"):
        kl_penalty(logp, ref, "k4")


def test_clipped_surrogate_clips_each_side_separately():
    old = torch.zeros(4)
    ratios = torch.tensor([1.5, 0.5, 1.5, 0.5])
    logp = ratios.log()
    adv = torch.tensor([1.0, 1.0, -1.0, -1.0])
    loss, clipped = clipped_policy_loss(logp, old, adv, clip_low=0.2, clip_high=0.28)
    # A > 0: min(1.5, 1.28) = 1.28 (clipped); min(0.5, 0.8) = 0.5 (not clipped)
    # A < 0: min(-1.5, -1.28) = -1.5 (not clipped); min(-0.5, -0.8) = -0.8 (clipped)
    assert loss.tolist() == pytest.approx([-1.28, -0.5, 1.5, 0.8])
    assert clipped.tolist() == [1.0, 0.0, 0.0, 1.0]


def test_surrogate_gradient_on_policy_is_the_policy_gradient():
    logp = torch.tensor([-1.0, -2.0], requires_grad=True)
    adv = torch.tensor([2.0, -3.0])
    for loss_fn in (clipped_policy_loss, plain_policy_loss):
        loss, _ = loss_fn(logp, logp.detach(), adv)
        (grad,) = torch.autograd.grad(loss.sum(), logp)
        assert grad.tolist() == pytest.approx([-2.0, 3.0])  # -A * d log pi


def test_aggregations_and_accumulation():
    per_token = torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    totals = {"total_sequences": 2, "total_tokens": 4, "max_tokens": 5}
    assert aggregate_loss(per_token, mask, "token_mean", **totals) == pytest.approx(10 / 4)
    assert aggregate_loss(per_token, mask, "sequence_mean", **totals) == pytest.approx(3.0)
    assert aggregate_loss(per_token, mask, "sequence_sum", **totals) == pytest.approx(5.0)
    assert aggregate_loss(per_token, mask, "constant", **totals) == pytest.approx(1.0)
    # micro-batches of one sequence each add up to the whole batch's loss
    for mode in ("token_mean", "sequence_mean", "sequence_sum", "constant"):
        whole = aggregate_loss(per_token, mask, mode, **totals)
        parts = sum(
            aggregate_loss(per_token[i : i + 1], mask[i : i + 1], mode, **totals) for i in (0, 1)
        )
        assert parts == pytest.approx(float(whole))
    with pytest.raises(ValueError, match="token_mean"):
        aggregate_loss(per_token, mask, "median", **totals)
