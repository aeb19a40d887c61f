"""`ValueHead`: PPO's critic as a linear layer on the policy's last hidden states.

PPOCoder (Shojaee et al., 2023) puts a linear layer with dropout on the last decoder hidden
state and reads one value per generated token: ``V(s_t)``, the expected return from the state
in which token t was sampled. Sharing the policy's trunk makes the critic nearly free (one
[H] -> 1 matrix); its gradient reaches the trunk through ``vf_coef * value_loss``.

The head is a plain ``nn.Module`` outside the Hugging Face model, so the policy's checkpoint
stays a plain ``save_pretrained`` folder; the learner checkpoints the head by name
(``coderl_state/module-value_head.pt``).
"""

from __future__ import annotations

import torch
from torch import nn


class ValueHead(nn.Module):
    """hidden [N, T, H] -> values [N, T]."""

    def __init__(self, hidden_size: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(hidden_size, 1)
        # Values start at 0 (no opinion yet), so the first advantages are the rewards-to-go.
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(hidden.float())).squeeze(-1)


def hidden_size_of(model: nn.Module) -> int:
    """The width of ``model``'s last hidden states (causal: ``hidden_size``; T5-style
    encoder-decoders map ``hidden_size`` to ``d_model``)."""
    config = model.config
    size = getattr(config, "hidden_size", None) or getattr(config, "d_model", None)
    if size is None:
        raise ValueError(
            f"{type(model).__name__}: its config names no hidden_size or d_model; a value "
            "head needs the width of the last hidden states"
        )
    return int(size)
