"""PPO's math against hand-computed values (no model)."""

from __future__ import annotations

import math

import pytest
import torch

from coderl.training.ppo_math import (
    adaptive_kl_beta,
    approx_kl,
    clipped_value_loss,
    explained_variance,
    gae,
    shuffled_minibatches,
    token_rewards,
    truncated_scores,
)
from coderl.training.rl_math import clipped_policy_loss, masked_whiten

t = torch.tensor


def test_truncated_scores_penalise_only_programs_cut_at_the_limit():
    scores, finished = t([1.0, -0.3]), t([True, False])
    assert torch.allclose(truncated_scores(scores, finished, 0.5), t([1.0, -0.8]))
    assert torch.equal(truncated_scores(scores, finished, 0.0), scores)


def test_token_rewards_put_the_score_on_the_last_real_token_and_ignore_padding():
    scores = t([1.0, -1.0])
    kl = t([[0.1, 0.2, 0.3], [0.5, 9.0, 9.0]])  # 9: garbage under padding
    mask = t([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    rewards = token_rewards(scores, kl, mask, beta=0.5)
    assert torch.allclose(rewards, t([[-0.05, -0.1, -0.15 + 1.0], [-0.25 - 1.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="without tokens"):
        token_rewards(t([1.0]), t([[0.0]]), t([[0.0]]), beta=0.5)


def test_gae_by_hand_on_a_truncated_sequence():
    # all three tokens real: the sequence ran to the limit; the step after it is terminal
    rewards, values = t([[0.0, 0.0, 1.0]]), t([[0.5, 0.6, 0.7]])
    advantages, returns = gae(rewards, values, torch.ones(1, 3), gamma=1.0, lam=0.5)
    # delta = [0 + 0.6 - 0.5, 0 + 0.7 - 0.6, 1 - 0.7] = [0.1, 0.1, 0.3]
    # A2 = 0.3, A1 = 0.1 + 0.5 * 0.3 = 0.25, A0 = 0.1 + 0.5 * 0.25 = 0.225
    assert torch.allclose(advantages, t([[0.225, 0.25, 0.3]]))
    assert torch.allclose(returns, t([[0.725, 0.85, 1.0]]))


def test_gae_by_hand_with_padding_that_never_leaks_in():
    rewards = t([[0.0, 2.0, 0.0, 0.0]])
    mask = t([[1.0, 1.0, 0.0, 0.0]])
    for garbage in (7.0, -3.0):
        values = t([[0.5, 1.0, garbage, garbage]])
        advantages, returns = gae(rewards, values, mask, gamma=0.9, lam=0.8)
        # A1 = 2 - 1 = 1; A0 = (0 + 0.9 * 1.0 - 0.5) + 0.9 * 0.8 * 1 = 1.12
        assert torch.allclose(advantages, t([[1.12, 1.0, 0.0, 0.0]]))
        assert torch.allclose(returns, t([[1.62, 2.0, 0.0, 0.0]]))


def test_gae_edge_cases_of_gamma_and_lambda():
    rewards = t([[0.2, -0.1, 1.0]])
    values = t([[0.3, 0.4, 0.5]])
    mask = torch.ones(1, 3)
    # lambda 1, gamma 1: Monte-Carlo return minus the value
    a, r = gae(rewards, values, mask, gamma=1.0, lam=1.0)
    assert torch.allclose(a, t([[1.1 - 0.3, 0.9 - 0.4, 1.0 - 0.5]]))
    assert torch.allclose(r, t([[1.1, 0.9, 1.0]]))
    # lambda 0: the one-step TD error
    a, _ = gae(rewards, values, mask, gamma=1.0, lam=0.0)
    assert torch.allclose(a, t([[0.2 + 0.4 - 0.3, -0.1 + 0.5 - 0.4, 1.0 - 0.5]]))
    # gamma 0: only the immediate reward counts
    a, _ = gae(rewards, values, mask, gamma=0.0, lam=0.95)
    assert torch.allclose(a, rewards - values)


def test_advantage_whitening_counts_real_tokens_only():
    values = t([[1.0, 2.0, 3.0], [4.0, 100.0, 100.0]])
    mask = t([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    # over 1, 2, 3, 4: mean 2.5, unbiased variance 5 / 3
    expected = (t([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]]) - 2.5) / math.sqrt(5 / 3) * mask
    assert torch.allclose(masked_whiten(values, mask), expected, atol=1e-6)


def test_clipped_policy_loss_by_hand():
    ratio = t([1.5, 0.5, 0.5])
    advantages = t([1.0, 1.0, -1.0])
    loss, clipped = clipped_policy_loss(ratio.log(), torch.zeros(3), advantages, 0.2, 0.2)
    # -min(1.5, 1.2) = -1.2 (clipped); -min(0.5, 0.8) = -0.5; -min(-0.5, -0.8) = 0.8 (clipped)
    assert torch.allclose(loss, t([-1.2, -0.5, 0.8]))
    assert torch.equal(clipped, t([1.0, 0.0, 1.0]))


def test_clipped_value_loss_by_hand():
    values = t([1.5, 1.1, 0.5])
    old, returns = torch.ones(3), torch.full((3,), 2.0)
    loss, clipped = clipped_value_loss(values, old, returns, cliprange_value=0.2)
    # 1.5 -> clipped to 1.2: 0.5 * max(0.25, 0.64); 1.1 inside the range: 0.5 * 0.81;
    # 0.5 -> clipped to 0.8: 0.5 * max(2.25, 1.44) (clipping never helps a worse value)
    assert torch.allclose(loss, t([0.32, 0.405, 1.125]))
    assert torch.equal(clipped, t([1.0, 0.0, 0.0]))


def test_explained_variance():
    returns = t([[1.0, 2.0], [3.0, 4.0]])
    mask = torch.ones(2, 2)
    assert explained_variance(returns, returns, mask) == pytest.approx(1.0)
    assert explained_variance(torch.full((2, 2), 2.5), returns, mask) == pytest.approx(0.0)
    # Var(R) = 5/3, Var(R - V) for V = R + [0, 0, 0, 2]: residuals 0,0,0,-2 -> var 1
    values = returns + t([[0.0, 0.0], [0.0, 2.0]])
    assert explained_variance(values, returns, mask) == pytest.approx(1 - 1 / (5 / 3))
    padded = t([[1.0, 2.0, 50.0]])
    assert explained_variance(padded, padded * 0 + t([[1.0, 2.0, -9.0]]), t([[1.0, 1.0, 0.0]])) == (
        pytest.approx(1.0)
    )
    assert math.isnan(explained_variance(torch.zeros(1, 2), torch.ones(1, 2), torch.ones(1, 2)))


def test_approx_kl_by_hand_without_padding():
    old = torch.zeros(1, 3)
    new = t([[math.log(2.0), math.log(2.0), 5.0]])  # the third token is padding
    mask = t([[1.0, 1.0, 0.0]])
    assert approx_kl(new, old, mask) == pytest.approx(2 - 1 - math.log(2))
    assert approx_kl(old, old, mask) == 0.0


def test_adaptive_kl_controller_update():
    # KL 1.5 over target 1: error 0.5 clipped to 0.2
    assert adaptive_kl_beta(0.1, 1.5, 1.0, 10000, 256) == pytest.approx(0.1 * (1 + 0.2 * 0.0256))
    # KL 0.9: error -0.1, unclipped
    assert adaptive_kl_beta(0.1, 0.9, 1.0, 10000, 256) == pytest.approx(0.1 * (1 - 0.1 * 0.0256))
    assert adaptive_kl_beta(0.1, 1.0, 1.0, 10000, 256) == pytest.approx(0.1)
    # far below target: error -0.2 at most
    assert adaptive_kl_beta(0.1, 0.0, 1.0, 100, 50) == pytest.approx(0.1 * (1 - 0.2 * 0.5))


def test_each_epoch_visits_every_sample_exactly_once():
    generator = torch.Generator().manual_seed(0)
    epochs = [shuffled_minibatches(10, 4, generator) for _ in range(3)]
    for minibatches in epochs:
        assert [len(m) for m in minibatches] == [4, 4, 2]
        assert sorted(torch.cat(minibatches).tolist()) == list(range(10))
    assert torch.cat(epochs[0]).tolist() != torch.cat(epochs[1]).tolist()  # reshuffled
