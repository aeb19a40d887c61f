"""Loss functions of the learners, as pure functions over tensors."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from coderl.training.data import IGNORE_INDEX


def token_nll(
    logits: torch.Tensor, labels: torch.Tensor, causal: bool
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed negative log-likelihood of the labelled tokens, and how many there are.

    logits: [B, T, V]; labels: [B, T] with -100 where there is no target. Causal models
    predict token t+1 at position t, so logits and labels are shifted against each other;
    seq2seq decoders are fed the right-shifted labels, so they are already aligned.
    Returns (nll_sum: [], count: []); the caller divides, so that gradient accumulation can
    average over the tokens of the whole optimizer step rather than per micro-batch.
    """
    if causal:
        logits, labels = logits[:, :-1], labels[:, 1:]
    nll = F.cross_entropy(
        logits.float().reshape(-1, logits.shape[-1]),
        labels.reshape(-1),
        ignore_index=IGNORE_INDEX,
        reduction="sum",
    )
    return nll, (labels != IGNORE_INDEX).sum()
