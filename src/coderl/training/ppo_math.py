"""PPO's math, as pure functions over tensors (no model, no state): per-token rewards with
a KL penalty, GAE, the clipped value loss, explained variance, the KL controllers, the
approximate KL for early stopping and the epoch's shuffled minibatches.

Shapes as in `rl_math`: N sequences of up to T completion tokens, right-padded; ``mask``
[N, T] is 1 on real tokens, and padding never enters a statistic.

Sources: Schulman et al. 2017 (PPO: clipped surrogate, several epochs of minibatches);
Schulman et al. 2016 (GAE); Ziegler et al. 2019 (per-token KL penalty to a reference policy,
the adaptive KL controller); PPOCoder (Shojaee et al. 2023: the task score at the last
generated token); the value clipping and approximate-KL early stop of the OpenAI baselines
and Stable-Baselines3 implementations.
"""

from __future__ import annotations

import torch

from coderl.training.rl_math import masked_mean, masked_var


def truncated_scores(
    scores: torch.Tensor, finished: torch.Tensor, truncation_penalty: float
) -> torch.Tensor:
    """Scores [N] of the programs, less ``truncation_penalty`` for those cut at
    max_new_tokens (``finished`` false): 0 scores them as they are."""
    return scores - truncation_penalty * (~finished).to(scores.dtype)


def token_rewards(
    scores: torch.Tensor, kl: torch.Tensor, mask: torch.Tensor, beta: float
) -> torch.Tensor:
    """Per-token rewards [N, T]: ``-beta * KL_t`` on every real token, plus the sequence's
    score [N] on its last real token (the eos, or the last token of a truncated program)."""
    rewards = -beta * kl * mask
    lengths = mask.sum(-1).long()
    if bool((lengths == 0).any()):
        raise ValueError("a completion without tokens has no last token to score")
    rows = torch.arange(len(scores))
    rewards[rows, lengths - 1] += scores
    return rewards


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor,
    gamma: float = 1.0,
    lam: float = 0.95,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimates and returns [N, T] (Schulman et al. 2016).

    ``delta_t = r_t + gamma * V_{t+1} - V_t`` and ``A_t = delta_t + gamma * lam * A_{t+1}``,
    where the step after a sequence's last real token is terminal (``V = 0``, ``A = 0``):
    the episode ends there, whether the program ended with eos or was cut at
    max_new_tokens (it is judged as it stands). Returns = ``A + V`` (the value targets).
    Padding holds 0 in both.
    """
    n, length = rewards.shape
    advantages = torch.zeros_like(rewards)
    running = torch.zeros(n, dtype=rewards.dtype, device=rewards.device)
    for t in reversed(range(length)):
        if t + 1 < length:
            cont = mask[:, t + 1]
            next_value = values[:, t + 1] * cont
        else:
            cont = torch.zeros_like(running)
            next_value = cont
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = delta + gamma * lam * cont * running
        advantages[:, t] = running
    advantages = advantages * mask
    return advantages, (advantages + values) * mask


def clipped_value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    cliprange_value: float = 0.2,
) -> tuple[torch.Tensor, torch.Tensor]:
    """PPO's clipped value loss per token and where the clipped term was the larger.

    ``V_clip = V_old + clip(V - V_old, -eps, eps)``; loss = ``0.5 * max((V - R)^2,
    (V_clip - R)^2)``: the value may not move further than ``eps`` from its rollout-time
    estimate in one update to get closer to the return. Returns (loss, clipped) [N, T].
    """
    clipped_values = old_values + (values - old_values).clamp(-cliprange_value, cliprange_value)
    unclipped_loss = (values - returns) ** 2
    clipped_loss = (clipped_values - returns) ** 2
    loss = 0.5 * torch.maximum(unclipped_loss, clipped_loss)
    return loss, (clipped_loss > unclipped_loss).to(loss.dtype)


def explained_variance(values: torch.Tensor, returns: torch.Tensor, mask: torch.Tensor) -> float:
    """``1 - Var(R - V) / Var(R)`` over real tokens: 1 for a perfect critic, 0 for one that
    predicts the mean, negative for worse; NaN when the returns do not vary."""
    var_returns = float(masked_var(returns, mask))
    if var_returns == 0:
        return float("nan")
    return 1.0 - float(masked_var(returns - values, mask)) / var_returns


def approx_kl(logprobs: torch.Tensor, old_logprobs: torch.Tensor, mask: torch.Tensor) -> float:
    """KL(pi_old || pi) estimated on the rollout's tokens (k3: ``r - 1 - log r`` with ``r =
    pi / pi_old``, unbiased and never negative): how far the updates moved the policy."""
    log_ratio = logprobs - old_logprobs
    return float(masked_mean(torch.expm1(log_ratio) - log_ratio, mask))


def adaptive_kl_beta(beta: float, kl: float, target: float, horizon: int, n_steps: int) -> float:
    """Ziegler et al.'s proportional controller: ``e = clip(KL / target - 1, -0.2, 0.2)``,
    ``beta <- beta * (1 + e * n_steps / horizon)``; ``kl`` is the batch's mean KL per
    sequence and ``n_steps`` the number of sequences it came from."""
    error = min(max(kl / target - 1.0, -0.2), 0.2)
    return beta * (1.0 + error * n_steps / horizon)


def shuffled_minibatches(
    n: int, minibatch_size: int, generator: torch.Generator
) -> list[torch.Tensor]:
    """One epoch: a random permutation of ``range(n)`` cut into minibatches of
    ``minibatch_size`` (the last may be smaller); every sample exactly once."""
    return list(torch.randperm(n, generator=generator).split(minibatch_size))
