"""The sampling distribution as pure functions of the logits.

`processed_logprobs` is the one definition of the distribution a sample is drawn from; the
Sampler scores sampled tokens with it, and a learner can recompute the behaviour policy's
log-probabilities with it. (PPOCoder's reference code sampled from top-k but scored tokens
under the full softmax, so its behaviour and scored policies differed.)
"""

from __future__ import annotations

import torch


def processed_logprobs(
    logits: torch.Tensor, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0
) -> torch.Tensor:
    """Log-probabilities (..., V) of the distribution sampled from, in float32.

    Steps, in order: divide by ``temperature``; keep the ``top_k`` largest (ties with the k-th
    are kept); keep the smallest prefix of tokens, by descending probability, whose mass
    reaches ``top_p`` (the most likely token always stays); renormalise. Removed tokens get
    ``-inf``.
    """
    scores = logits.float() / temperature
    vocab = scores.shape[-1]
    if 0 < top_k < vocab:
        kth = scores.topk(top_k, dim=-1).values[..., -1:]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    if top_p < 1.0:
        sorted_scores, order = scores.sort(dim=-1, descending=True, stable=True)
        sorted_probs = sorted_scores.softmax(dim=-1)
        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs
        remove_sorted = mass_before >= top_p
        remove = remove_sorted.scatter(-1, order, remove_sorted)
        scores = scores.masked_fill(remove, float("-inf"))
    return scores.log_softmax(dim=-1)


def sample_from_logprobs(logprobs: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """Inverse-CDF sampling: token ids (B,) from log-probabilities (B, V) and uniforms (B,)
    in [0, 1).

    Deterministic given the uniforms (no global RNG), and a token of probability 0 can never
    be chosen: the first index whose cumulative mass exceeds ``u`` always has mass > 0.
    """
    cdf = logprobs.exp().double().cumsum(dim=-1)
    targets = (uniforms.to(cdf.device, torch.float64) * cdf[:, -1]).unsqueeze(-1)
    tokens = torch.searchsorted(cdf, targets, right=True).squeeze(-1)
    return tokens.clamp(max=logprobs.shape[-1] - 1)
