"""The RL math of every learner, as pure functions over tensors (no model, no state).

Shapes: N sequences (samples) of up to T completion tokens; ``mask`` [N, T] is 1 on real
completion tokens and 0 on padding, which never enters a statistic. Sequence-level
quantities (rewards, advantages, group ids) are [N].

Sources: GRPO (Shao et al., 2024, DeepSeekMath) for group-normalised advantages and the
clipped surrogate with a KL term; Dr.GRPO (Liu et al., 2025, "Understanding R1-Zero-Like
Training") for removing the std and length normalisations; RLOO (Ahmadian et al., 2024) for
the leave-one-out baseline; CodeRL (Le et al., 2022) for the greedy-decoding baseline;
DAPO (Yu et al., 2025) for separate low/high clip ranges; Schulman's "Approximating KL
divergence" note for the k1/k3 estimators.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch

# -- masked statistics ------------------------------------------------------------------------


def masked_sum(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum()


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` where ``mask`` is 1 (0 when the mask is empty)."""
    return (values * mask).sum() / mask.sum().clamp(min=1)


def masked_var(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Unbiased variance where ``mask`` is 1 (Bessel-corrected; 0 for fewer than 2 values)."""
    count = mask.sum()
    mean = masked_mean(values, mask)
    squares = ((values - mean) ** 2 * mask).sum()
    return squares / (count - 1).clamp(min=1)


def masked_whiten(values: torch.Tensor, mask: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Zero mean, unit variance over the masked entries; padding stays 0."""
    mean = masked_mean(values, mask)
    whitened = (values - mean) * torch.rsqrt(masked_var(values, mask) + eps)
    return whitened * mask


# -- advantage estimators (sequence level) ----------------------------------------------------


def _group_stats(
    rewards: torch.Tensor, groups: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per sample: its group's size, mean and unbiased std (std 0 for a group of one)."""
    _, index, counts = torch.unique(groups, return_inverse=True, return_counts=True)
    counts = counts.to(rewards.dtype)
    sums = torch.zeros_like(counts).index_add_(0, index, rewards)
    means = sums / counts
    squares = torch.zeros_like(counts).index_add_(0, index, (rewards - means[index]) ** 2)
    stds = (squares / (counts - 1).clamp(min=1)).sqrt()
    return counts[index], means[index], stds[index]


def grpo_advantages(rewards: torch.Tensor, groups: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """GRPO: ``(r_i - mean_g) / (std_g + eps)`` within each group of samples of one prompt.
    A group whose rewards are all equal gets 0 advantages (no signal, no noise)."""
    _, means, stds = _group_stats(rewards, groups)
    return (rewards - means) / (stds + eps)


def drgrpo_advantages(rewards: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """Dr.GRPO: ``r_i - mean_g``; dividing by the group's std favours easy and hopeless
    prompts (tiny std), so it is dropped."""
    _, means, _ = _group_stats(rewards, groups)
    return rewards - means


def rloo_advantages(rewards: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """RLOO: ``r_i - mean_{j != i} r_j`` = ``k / (k - 1) * (r_i - mean_g)`` for a group of k;
    a sample without a sibling (k = 1) has no baseline and gets 0."""
    counts, means, _ = _group_stats(rewards, groups)
    scale = torch.where(counts > 1, counts / (counts - 1).clamp(min=1), torch.zeros_like(counts))
    return scale * (rewards - means)


def baseline_advantages(rewards: torch.Tensor, baselines: torch.Tensor) -> torch.Tensor:
    """REINFORCE with a baseline: ``r_i - b_i`` (CodeRL: b = the reward of the greedy
    program for the same prompt)."""
    return rewards - baselines


AdvantageEstimator = Callable[[torch.Tensor, torch.Tensor, "torch.Tensor | None"], torch.Tensor]

ADVANTAGE_ESTIMATORS: dict[str, AdvantageEstimator] = {
    "grpo": lambda rewards, groups, baselines: grpo_advantages(rewards, groups),
    "drgrpo": lambda rewards, groups, baselines: drgrpo_advantages(rewards, groups),
    "rloo": lambda rewards, groups, baselines: rloo_advantages(rewards, groups),
    "greedy_baseline": lambda rewards, groups, baselines: baseline_advantages(
        rewards, _required(baselines)
    ),
}


def _required(baselines: torch.Tensor | None) -> torch.Tensor:
    if baselines is None:
        raise ValueError("the greedy_baseline estimator needs the greedy programs' rewards")
    return baselines


# -- KL estimators (token level) --------------------------------------------------------------

KLEstimator = Literal["k1", "k2", "k3"]


def kl_penalty(
    logprobs: torch.Tensor, ref_logprobs: torch.Tensor, estimator: KLEstimator = "k3"
) -> torch.Tensor:
    """Per-token estimate of KL(pi || pi_ref) from samples of pi.

    With ``d = ref_logprobs - logprobs``: k1 = ``-d`` (unbiased, can be negative), k2 =
    ``d**2 / 2``, k3 = ``exp(d) - d - 1`` (unbiased and never negative).
    """
    d = ref_logprobs - logprobs
    if estimator == "k1":
        return -d
    if estimator == "k2":
        return 0.5 * d**2
    if estimator == "k3":
        return torch.expm1(d) - d
    raise ValueError(f"unknown KL estimator {estimator!r}; valid: k1, k2, k3")


# -- policy losses (token level) --------------------------------------------------------------


def clipped_policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
) -> tuple[torch.Tensor, torch.Tensor]:
    """PPO's clipped surrogate per token, to be minimised, and where clipping was active.

    ``ratio = exp(logprobs - old_logprobs)``; loss = ``-min(ratio * A, clip(ratio, 1 -
    clip_low, 1 + clip_high) * A)``. ``advantages`` is [N, T] (or [N, 1], broadcast).
    Returns (loss [N, T], clipped [N, T] as 0/1 floats).
    """
    ratio = torch.exp(logprobs - old_logprobs)
    unclipped = ratio * advantages
    clipped = ratio.clamp(1.0 - clip_low, 1.0 + clip_high) * advantages
    loss = -torch.minimum(unclipped, clipped)
    return loss, (clipped < unclipped).to(loss.dtype)


def plain_policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The unclipped importance-weighted policy gradient ``-ratio * A`` (REINFORCE when the
    batch is on-policy, where ratio = 1 and the gradient is ``-A * grad log pi``)."""
    loss = -torch.exp(logprobs - old_logprobs) * advantages
    return loss, torch.zeros_like(loss)


PolicyLoss = Callable[..., tuple[torch.Tensor, torch.Tensor]]

POLICY_LOSSES: dict[str, PolicyLoss] = {
    "clipped": clipped_policy_loss,
    "plain": plain_policy_loss,
}


# -- reducing a per-token loss to a scalar ----------------------------------------------------

Aggregation = Literal["token_mean", "sequence_mean", "sequence_sum", "constant"]


def aggregate_loss(
    per_token: torch.Tensor,
    mask: torch.Tensor,
    mode: Aggregation,
    total_sequences: int,
    total_tokens: int,
    max_tokens: int,
) -> torch.Tensor:
    """A micro-batch's share of the batch loss, so that summing the shares of all micro-batches
    (gradient accumulation) gives exactly the loss of the whole batch.

    - ``token_mean``: every token of the batch weighs the same (sum / total_tokens; DAPO).
    - ``sequence_mean``: each sequence's token mean, averaged over sequences (GRPO).
    - ``sequence_sum``: each sequence's token sum, averaged over sequences (REINFORCE, RLOO:
      the completion is one action whose log-prob is the sum of its tokens').
    - ``constant``: sum / (total_sequences * max_tokens), a normaliser independent of
      lengths (Dr.GRPO).
    """
    if mode == "token_mean":
        return masked_sum(per_token, mask) / max(total_tokens, 1)
    if mode == "sequence_mean":
        per_sequence = (per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1)
        return per_sequence.sum() / total_sequences
    if mode == "sequence_sum":
        return masked_sum(per_token, mask) / total_sequences
    if mode == "constant":
        return masked_sum(per_token, mask) / (total_sequences * max_tokens)
    raise ValueError(
        f"unknown loss aggregation {mode!r}; valid: token_mean, sequence_mean, "
        "sequence_sum, constant"
    )
