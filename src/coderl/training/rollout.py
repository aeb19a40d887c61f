"""`Rollout`: one batch of sampled, judged and rewarded programs, as every learner sees it,
and the gradient path that scores a rollout's tokens under a model.

The record holds padded tensors on the CPU; a learner moves micro-batches of it to the
device (`Rollout.select(...).to(device)`). Samples the judge could not decide
(``infra_error``) never enter a rollout: the collector drops and counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import torch

from coderl.generation.decoding import accepts, cache_keyword, position_ids, returned_cache
from coderl.generation.processing import processed_logprobs
from coderl.generation.sampler import Sample


@dataclass(frozen=True)
class Rollout:
    """N samples: prompts of up to P tokens, completions of up to T tokens.

    prompt_ids, prompt_mask: [N, P], left-padded for causal models (as the sampler feeds
        them), right-padded for encoder-decoder models.
    completion_ids, completion_mask: [N, T], right-padded; every generated token counts,
        including the final eos or the token that completed a stop string.
    behaviour_logprobs: [N, T], the sampler's log-probs of the completion tokens under the
        distribution actually sampled (temperature, top-k, top-p applied).
    rewards: [N] float; group_ids: [N] long (samples of one prompt share an id);
    finished: [N] bool (ended by eos or a stop string, not by max_new_tokens).
    baselines: [N] reward of the greedy program for the same prompt (CodeRL's baseline), or
        None when none was sampled. ref_logprobs: [N, T] under the reference model, or None.
    verdicts, problem_ids: one string per sample.
    """

    prompt_ids: torch.Tensor
    prompt_mask: torch.Tensor
    completion_ids: torch.Tensor
    completion_mask: torch.Tensor
    behaviour_logprobs: torch.Tensor
    rewards: torch.Tensor
    group_ids: torch.Tensor
    finished: torch.Tensor
    verdicts: tuple[str, ...]
    problem_ids: tuple[str, ...]
    baselines: torch.Tensor | None = None
    ref_logprobs: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.rewards.shape[0]

    @property
    def num_tokens(self) -> int:
        return int(self.completion_mask.sum())

    def select(self, indices: Sequence[int] | torch.Tensor) -> Rollout:
        """The rollout of the samples at ``indices`` (a micro-batch, a shuffled minibatch)."""
        index = torch.as_tensor(indices, dtype=torch.long)
        picked = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, torch.Tensor):
                picked[f.name] = value[index]
            elif isinstance(value, tuple):
                picked[f.name] = tuple(value[i] for i in index.tolist())
            else:
                picked[f.name] = value
        return Rollout(**picked)

    def to(self, device: torch.device | str) -> Rollout:
        moved = {
            f.name: getattr(self, f.name).to(device)
            for f in fields(self)
            if isinstance(getattr(self, f.name), torch.Tensor)
        }
        return replace(self, **moved)


@dataclass(frozen=True)
class RolloutSample:
    """One decided sample, before padding: what `build_rollout` stacks."""

    prompt_token_ids: tuple[int, ...]
    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...]
    finished: bool
    reward: float
    group_id: int
    verdict: str
    problem_id: str
    baseline: float | None = None

    @classmethod
    def of(cls, sample: Sample, **judged: Any) -> RolloutSample:
        """From the sampler's `Sample`, with ``reward``, ``group_id``, ``verdict``,
        ``problem_id`` (and ``baseline``) from judging it."""
        return cls(
            prompt_token_ids=sample.prompt_token_ids,
            token_ids=sample.token_ids,
            logprobs=sample.logprobs,
            finished=sample.finished,
            **judged,
        )


def build_rollout(samples: Sequence[RolloutSample], pad_id: int, left_pad_prompts: bool) -> Rollout:
    """Pad and stack ``samples`` into a `Rollout`."""
    if not samples:
        raise ValueError("a rollout needs at least one decided sample")
    prompt_ids, prompt_mask = _pad([s.prompt_token_ids for s in samples], pad_id, left_pad_prompts)
    completion_ids, completion_mask = _pad([s.token_ids for s in samples], pad_id, left=False)
    logprobs = torch.zeros(completion_ids.shape, dtype=torch.float32)
    for i, s in enumerate(samples):
        logprobs[i, : len(s.logprobs)] = torch.tensor(s.logprobs, dtype=torch.float32)
    has_baselines = all(s.baseline is not None for s in samples)
    return Rollout(
        prompt_ids=prompt_ids,
        prompt_mask=prompt_mask,
        completion_ids=completion_ids,
        completion_mask=completion_mask,
        behaviour_logprobs=logprobs,
        rewards=torch.tensor([s.reward for s in samples], dtype=torch.float32),
        group_ids=torch.tensor([s.group_id for s in samples], dtype=torch.long),
        finished=torch.tensor([s.finished for s in samples], dtype=torch.bool),
        verdicts=tuple(s.verdict for s in samples),
        problem_ids=tuple(s.problem_id for s in samples),
        baselines=torch.tensor([s.baseline for s in samples], dtype=torch.float32)
        if has_baselines
        else None,
    )


def _pad(sequences: Sequence[Sequence[int]], pad_id: int, left: bool):
    length = max(max(len(s) for s in sequences), 1)
    ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), length), dtype=torch.float32)
    for i, seq in enumerate(sequences):
        span = slice(length - len(seq), length) if left else slice(0, len(seq))
        ids[i, span] = torch.tensor(list(seq), dtype=torch.long)
        mask[i, span] = 1.0
    return ids, mask


@dataclass(frozen=True)
class Processing:
    """How logits become the sampling distribution (the sampler's settings)."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0


def completion_logprobs(
    model: torch.nn.Module,
    rollout: Rollout,
    is_encoder_decoder: bool,
    processing: Processing = Processing(),
    with_entropy: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Log-probs [N, T] of the completion tokens under ``model`` and ``processing`` (with
    gradients when enabled), and, on request, the entropy [N, T] of each step's processed
    distribution (without gradients: a metric). Padding positions hold 0.

    For the weights that sampled the rollout this equals ``rollout.behaviour_logprobs`` up to
    floating-point differences between batch shapes.
    """
    logits, _ = completion_forward(model, rollout, is_encoder_decoder)
    return token_logprobs(logits, rollout, processing, with_entropy)


def token_logprobs(
    logits: torch.Tensor,
    rollout: Rollout,
    processing: Processing = Processing(),
    with_entropy: bool = False,
    entropy_grad: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """`completion_logprobs` from the logits [N, T, V] of `completion_forward`; the entropy
    carries gradients with ``entropy_grad`` (an entropy bonus in the loss)."""
    mask = rollout.completion_mask
    targets = rollout.completion_ids.unsqueeze(-1)
    if processing.top_k == 0 and processing.top_p == 1.0:
        # Only a temperature: log p(token) = z_token - logsumexp(z), without materialising a
        # log-softmax over the vocabulary (the largest tensor of the update).
        scores = logits.float()
        if processing.temperature != 1.0:
            scores = scores / processing.temperature
        normaliser = scores.logsumexp(dim=-1)
        chosen = scores.gather(-1, targets).squeeze(-1) - normaliser
    else:
        scores = processed_logprobs(
            logits, processing.temperature, processing.top_k, processing.top_p
        )
        normaliser = None
        chosen = scores.gather(-1, targets).squeeze(-1)
    chosen = torch.where(mask > 0, chosen, torch.zeros_like(chosen))
    entropy = None
    if with_entropy:
        with torch.set_grad_enabled(entropy_grad and torch.is_grad_enabled()):
            source = scores if entropy_grad else scores.detach()
            entropy = _entropy(source, normaliser) * mask
    return chosen, entropy


def _entropy(scores: torch.Tensor, normaliser: torch.Tensor | None) -> torch.Tensor:
    """Entropy of softmax(scores) per position; ``scores`` are log-probs when ``normaliser``
    is None (removed tokens at -inf contribute 0)."""
    if normaliser is None:
        probs = scores.exp()
        return -(probs * scores.clamp(min=torch.finfo(scores.dtype).min)).sum(-1)
    # H = logsumexp(z) - sum(softmax(z) * z): one fused softmax and one fused dot product
    # over the vocabulary (no exp or product tensor of the logits' size is kept)
    return normaliser - torch.einsum("...v,...v->...", torch.softmax(scores, dim=-1), scores)


def completion_forward(
    model: torch.nn.Module,
    rollout: Rollout,
    is_encoder_decoder: bool,
    hidden: bool = False,
    share_prompts: bool = True,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Next-token logits [N, T, V] at each completion position and, with ``hidden``, the last
    layer's hidden states [N, T, H] there (the state each token was sampled from: what a
    value head reads).

    A causal model runs each distinct prompt once when samples share prompts (a group of
    GRPO): prompts are most of a sequence's tokens, so this cuts the forward and backward
    work several-fold; the logits are the same up to floating-point rounding
    (``share_prompts=False``: one pass per sample, the baseline of bench/rl_shared_prompts.py)."""
    completion = rollout.completion_ids
    extra = {"output_hidden_states": True} if hidden else {}
    if is_encoder_decoder:
        start = model.config.decoder_start_token_id
        start = model.config.pad_token_id if start is None else start
        decoder_input = torch.cat(
            [torch.full_like(completion[:, :1], start), completion[:, :-1]], dim=1
        )
        out = model(
            input_ids=rollout.prompt_ids,
            attention_mask=rollout.prompt_mask.long(),
            decoder_input_ids=decoder_input,
            **extra,
        )
        return out.logits, out.decoder_hidden_states[-1] if hidden else None
    if share_prompts:
        prompts, expand = distinct_prompts(rollout)
        if len(prompts) < len(rollout):
            return _shared_prompt_forward(model, rollout, prompts, expand, hidden)
    input_ids = torch.cat([rollout.prompt_ids, completion], dim=1)
    mask = torch.cat([rollout.prompt_mask, rollout.completion_mask], dim=1).long()
    length = completion.shape[1]
    kwargs = {}
    if accepts(model, "position_ids"):  # padding must not shift positions (as when sampling)
        kwargs["position_ids"] = position_ids(mask)
    if accepts(model, "logits_to_keep"):  # no LM head over the prompt
        kwargs["logits_to_keep"] = length + 1
    out = model(input_ids=input_ids, attention_mask=mask, **kwargs, **extra)
    states = out.hidden_states[-1][:, -(length + 1) : -1] if hidden else None
    return out.logits[:, -(length + 1) : -1], states


def distinct_prompts(rollout: Rollout) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct rows of (prompt ids, prompt mask) as a [U, 2P] tensor, and for each
    sample the index of its row ([N], values in [0, U))."""
    keys = torch.cat([rollout.prompt_ids, rollout.prompt_mask.long()], dim=1)
    return torch.unique(keys, dim=0, return_inverse=True)


def _shared_prompt_forward(
    model: torch.nn.Module,
    rollout: Rollout,
    prompts: torch.Tensor,
    expand: torch.Tensor,
    hidden: bool,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """`completion_forward` of a causal model in two passes: the U distinct prompts (their
    KV cache, with gradients), copied to the N samples, then every completion on top of it.
    The first completion token is predicted from the prompt's last position."""
    width = rollout.prompt_ids.shape[1]
    ids, mask = prompts[:, :width], prompts[:, width:]
    use_positions = accepts(model, "position_ids")
    extra = {"output_hidden_states": True} if hidden else {}
    kwargs: dict[str, Any] = {"logits_to_keep": 1} if accepts(model, "logits_to_keep") else {}
    positions = position_ids(mask)
    if use_positions:
        kwargs["position_ids"] = positions
    out = model(input_ids=ids, attention_mask=mask, use_cache=True, **kwargs, **extra)
    # index_select, not indexing: its backward adds the copies' gradients in a fixed order
    # (indexing's does not on several threads, and resumed runs must match bit for bit)
    logits = [out.logits[:, -1:].index_select(0, expand)]
    states = [out.hidden_states[-1][:, -1:].index_select(0, expand)] if hidden else []
    fed = rollout.completion_ids[:, :-1]  # the tokens that predict the 2nd to the last
    if fed.shape[1]:
        cache = returned_cache(out)
        if not _copy_rows(cache, expand):  # no cache (activation checkpointing), or unknown
            return completion_forward(model, rollout, False, hidden, share_prompts=False)
        attention = torch.cat([mask[expand], rollout.completion_mask[:, :-1].long()], dim=1)
        kwargs = {}
        if use_positions:
            steps = torch.arange(1, fed.shape[1] + 1, device=fed.device)
            kwargs["position_ids"] = positions[expand, -1:] + steps
        out = model(
            input_ids=fed,
            attention_mask=attention,
            use_cache=True,
            **{cache_keyword(model): cache},
            **kwargs,
            **extra,
        )
        logits.append(out.logits)
        if hidden:
            states.append(out.hidden_states[-1])
    return torch.cat(logits, dim=1), torch.cat(states, dim=1) if hidden else None


def _copy_rows(cache: Any, rows: torch.Tensor) -> bool:
    """Make row i of ``cache`` a copy of its row ``rows[i]``, in place, with `index_select`;
    False (nothing done) for a cache that is None or not made of plain key/value layers."""
    from transformers.cache_utils import DynamicLayer

    layers = getattr(cache, "layers", None)
    plain = DynamicLayer.batch_select_indices
    if layers is None or any(type(layer).batch_select_indices is not plain for layer in layers):
        return False
    for layer in layers:
        layer.keys = layer.keys.index_select(0, rows)
        layer.values = layer.values.index_select(0, rows)
    return True
