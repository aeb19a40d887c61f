"""Incremental decoding with a KV cache, for causal and encoder-decoder models.

A decoder runs the model one token at a time for a batch of B rows and can drop rows that
have finished. Each of the U distinct prompts of a batch is encoded (or prefilled) once and
its state is copied to the rows that sample from it (``expand``, shape (B,), values in
[0, U)).
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from transformers.modeling_outputs import BaseModelOutput

from coderl.models.policy import Policy


def accepts(model: Any, name: str) -> bool:
    """Whether ``model.forward`` takes keyword ``name`` (a peft wrapper: its base model's)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return name in inspect.signature(base.forward).parameters


def position_ids(mask: torch.Tensor) -> torch.Tensor:
    """Positions that count a row's real tokens only (0 on padding), so that left padding
    shifts nothing: the sampler and every pass that re-scores its samples must agree."""
    return (mask.cumsum(-1) - 1).clamp(min=0)


def cache_keyword(model: Any) -> str:
    """transformers 5.2x renamed ``past_key_values`` to ``cache``; older releases want the old."""
    return "cache" if accepts(model, "cache") else "past_key_values"


def returned_cache(out: Any) -> Any:
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def _pad(sequences: list[list[int]], pad_id: int, left: bool, device: Any):
    """(U, L) ids and attention mask; padding on the left or the right."""
    length = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for i, seq in enumerate(sequences):
        span = slice(length - len(seq), length) if left else slice(0, len(seq))
        ids[i, span] = torch.tensor(seq, dtype=torch.long)
        mask[i, span] = 1
    return ids.to(device), mask.to(device)


class CausalDecoder:
    """Left-padded prompts; position ids count real tokens only, so padding changes nothing."""

    def __init__(self, policy: Policy) -> None:
        self.model = policy.model
        self.pad_id = policy.tokenizer.pad_token_id
        self.device = policy.model.device
        self.use_positions = accepts(self.model, "position_ids")
        self.last_only = accepts(self.model, "logits_to_keep")
        self.cache_keyword = cache_keyword(self.model)

    def start(self, prompts: list[list[int]], expand: torch.Tensor) -> torch.Tensor:
        """Prefill the U prompts; returns next-token logits (B, V)."""
        ids, mask = _pad(prompts, self.pad_id, left=True, device=self.device)
        positions = position_ids(mask)
        kwargs: dict[str, Any] = {"logits_to_keep": 1} if self.last_only else {}
        if self.use_positions:
            kwargs["position_ids"] = positions
        out = self.model(input_ids=ids, attention_mask=mask, use_cache=True, **kwargs)
        expand = expand.to(self.device)
        self.cache = returned_cache(out)
        self.cache.batch_select_indices(expand)
        self.mask = mask[expand]
        self.next_position = positions[expand, -1] + 1
        return out.logits[expand, -1]

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """Feed one token per row (B,); returns next-token logits (B, V)."""
        self.mask = torch.cat([self.mask, self.mask.new_ones((self.mask.shape[0], 1))], dim=1)
        kwargs: dict[str, Any] = {}
        if self.use_positions:
            kwargs["position_ids"] = self.next_position.unsqueeze(1)
        out = self.model(
            input_ids=tokens.unsqueeze(1),
            attention_mask=self.mask,
            use_cache=True,
            **{self.cache_keyword: self.cache},
            **kwargs,
        )
        self.cache = returned_cache(out)
        self.next_position = self.next_position + 1
        return out.logits[:, -1]

    def keep(self, rows: torch.Tensor) -> None:
        """Keep only ``rows`` (indices into the current batch)."""
        rows = rows.to(self.device)
        self.cache.batch_select_indices(rows)
        self.mask = self.mask[rows]
        self.next_position = self.next_position[rows]


class Seq2SeqDecoder:
    """The encoder runs once per distinct prompt; the decoder starts from its start token."""

    def __init__(self, policy: Policy) -> None:
        self.model = policy.model
        self.pad_id = policy.tokenizer.pad_token_id
        self.device = policy.model.device
        start = self.model.config.decoder_start_token_id
        self.start_id = self.pad_id if start is None else start
        self.cache_keyword = cache_keyword(self.model)

    def start(self, prompts: list[list[int]], expand: torch.Tensor) -> torch.Tensor:
        ids, mask = _pad(prompts, self.pad_id, left=False, device=self.device)
        encoded = self.model.get_encoder()(input_ids=ids, attention_mask=mask)
        expand = expand.to(self.device)
        self.hidden = encoded.last_hidden_state[expand]
        self.mask = mask[expand]
        self.cache = None
        first = torch.full((len(expand),), self.start_id, dtype=torch.long, device=self.device)
        return self.step(first)

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        out = self.model(
            encoder_outputs=BaseModelOutput(last_hidden_state=self.hidden),
            attention_mask=self.mask,
            decoder_input_ids=tokens.unsqueeze(1),
            use_cache=True,
            **{self.cache_keyword: self.cache},
        )
        self.cache = returned_cache(out)
        return out.logits[:, -1]

    def keep(self, rows: torch.Tensor) -> None:
        rows = rows.to(self.device)
        self.cache.batch_select_indices(rows)
        self.hidden = self.hidden[rows]
        self.mask = self.mask[rows]


def make_decoder(policy: Policy) -> CausalDecoder | Seq2SeqDecoder:
    return Seq2SeqDecoder(policy) if policy.is_encoder_decoder else CausalDecoder(policy)
