"""`Sampler`: batched, seeded sampling of n completions per prompt, with exact log-probs.

Semantics (see docs/models.md):
- ``Sample.logprobs[t]`` is the log-probability of ``token_ids[t]`` under the distribution it
  was drawn from: `processed_logprobs` of the logits (temperature, top-k, top-p). For greedy
  decoding it is the log-softmax of the raw logits.
- ``token_ids`` are all generated tokens, including the final eos, or the token that completed
  a stop string (the policy's last action); ``text`` is their decoded text (special tokens
  dropped) cut where the earliest stop string starts. A stop string that ends inside a token
  therefore keeps that whole token in ``token_ids``, and ``text`` ends before the stop.
- A sample depends only on (model, prompt, seed, sample index, occurrence): not on global RNG
  state, batch size or the other prompts of the call (up to floating-point differences between
  batch shapes). The occurrence of a prompt is, by default, how many earlier prompts of the
  call have the same text, so copies of one prompt (an RL group) get different samples, and the
  first copy gets what it would get alone. Greedy samples are decoded once per prompt and
  repeated n times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from coderl.generation.config import SamplingConfig
from coderl.generation.decoding import make_decoder
from coderl.generation.processing import processed_logprobs, sample_from_logprobs
from coderl.generation.seeding import stream_key, uniforms
from coderl.generation.stops import StopChecker, decode
from coderl.models.policy import Policy


@dataclass(frozen=True)
class Sample:
    """One completion of prompt ``prompt_index``: T generated tokens, their log-probs (T,),
    and ``finished`` when it ended by eos or a stop string (not by ``max_new_tokens``).
    ``prompt_token_ids`` are the prompt's ids as the model saw them (the encoder's input for an
    encoder-decoder), so a learner can rebuild the exact input without tokenising again."""

    text: str
    token_ids: tuple[int, ...]
    logprobs: tuple[float, ...]
    finished: bool
    prompt_index: int
    sample_index: int = 0
    prompt_token_ids: tuple[int, ...] = ()


@dataclass
class _Row:
    """Decoding state of one sequence."""

    prompt_index: int
    sample_index: int
    key: int
    token_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    stop_at: int | None = None
    finished: bool = False


class Sampler:
    """Samples ``config.n`` completions per prompt from ``policy``."""

    def __init__(self, policy: Policy, config: SamplingConfig) -> None:
        self.policy = policy
        self.config = config
        self.eos_ids = eos_ids_of(policy)
        self.stops = StopChecker(policy.tokenizer, config.stop)

    def sample(
        self,
        prompts: Sequence[str],
        *,
        seed: int | None = None,
        occurrences: Sequence[int] | None = None,
    ) -> list[list[Sample]]:
        """``n`` samples for each prompt, ``result[i][j]`` being sample j of prompt i.

        ``seed`` overrides ``config.seed`` for this call (e.g. the RL step, so that each step
        draws fresh samples of the same prompts). ``occurrences[i]`` numbers the copies of one
        prompt text; the default, `occurrence_counts(prompts)`, counts earlier copies in this
        call. Pass it to keep streams stable when copies are split across calls.
        """
        seed = self.config.seed if seed is None else seed
        if occurrences is None:
            occurrences = occurrence_counts(prompts)
        elif len(occurrences) != len(prompts):
            raise ValueError(f"{len(occurrences)} occurrences for {len(prompts)} prompts")
        encoded = self._encode(prompts)
        # Copies of one prompt share its prefill: each row points at the first copy.
        first = {text: i for i, text in reversed(list(enumerate(prompts)))}
        source = [first[text] for text in prompts]
        per_prompt = 1 if self.config.greedy else self.config.n
        # Longest prompts first: less padding per batch, and memory errors show up at once.
        order = sorted(range(len(prompts)), key=lambda i: -len(encoded[i]))
        rows = [
            _Row(i, j, stream_key(seed, prompts[i], j, occurrences[i]))
            for i in order
            for j in range(per_prompt)
        ]
        model = self.policy.model
        was_training = model.training
        model.eval()
        try:
            with torch.inference_mode():
                for start in range(0, len(rows), self.config.batch_size):
                    self._decode(rows[start : start + self.config.batch_size], encoded, source)
        finally:
            model.train(was_training)
        results: list[list[Sample]] = [[] for _ in prompts]
        for row in rows:
            sample = self._to_sample(row, encoded[row.prompt_index])
            copies = self.config.n if self.config.greedy else 1
            results[row.prompt_index].extend(
                replace(sample, sample_index=row.sample_index + c) for c in range(copies)
            )
        return results

    def _encode(self, prompts: Sequence[str]) -> list[list[int]]:
        tokenizer = self.policy.tokenizer
        encoded = [list(ids) for ids in tokenizer(list(prompts)).input_ids] if prompts else []
        for i, ids in enumerate(encoded):
            if not ids and not self.policy.is_encoder_decoder:
                if tokenizer.bos_token_id is None:
                    raise ValueError(f"prompt {i} is empty and the tokenizer has no bos token")
                ids.append(tokenizer.bos_token_id)
        return encoded

    def _decode(self, rows: list[_Row], encoded: list[list[int]], source: list[int]) -> None:
        """Generate until every row of this batch has finished or hit max_new_tokens.

        Finished rows stay in the model's batch (their draws are ignored) until a quarter of
        the batch has finished: dropping rows copies the whole KV cache, and doing it for every
        row that finishes costs more than computing a few idle rows.
        """
        config = self.config
        distinct = list(dict.fromkeys(source[row.prompt_index] for row in rows))
        slot = {prompt_index: u for u, prompt_index in enumerate(distinct)}
        decoder = make_decoder(self.policy)
        logits = decoder.start(
            [encoded[i] for i in distinct],
            torch.tensor([slot[source[row.prompt_index]] for row in rows]),
        )
        batch = list(rows)  # the row at each position of the model's batch
        keys = np.array([row.key for row in batch], dtype=np.uint64)
        live = len(batch)
        for step in range(config.max_new_tokens):
            if config.greedy:
                logprobs = logits.float().log_softmax(dim=-1)
                tokens = logprobs.argmax(dim=-1)
            else:
                logprobs = processed_logprobs(
                    logits, config.temperature, config.top_k, config.top_p
                )
                tokens = sample_from_logprobs(logprobs, torch.from_numpy(uniforms(keys, step)))
            chosen = logprobs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
            checked = []
            for row, token, logprob in zip(batch, tokens.tolist(), chosen.tolist()):
                if row.finished:
                    continue
                row.token_ids.append(token)
                row.logprobs.append(logprob)
                if token in self.eos_ids:
                    row.finished = True
                    live -= 1
                else:
                    checked.append(row)
            if self.stops.stops:
                for row, stop_at in zip(
                    checked, self.stops.find_many([r.token_ids for r in checked])
                ):
                    if stop_at is not None:
                        row.stop_at, row.finished = stop_at, True
                        live -= 1
            if not live or step == config.max_new_tokens - 1:
                return
            if 4 * (len(batch) - live) >= len(batch):
                running = [p for p, row in enumerate(batch) if not row.finished]
                keep = torch.tensor(running)
                decoder.keep(keep)
                tokens = tokens[keep.to(tokens.device)]
                keys = keys[running]
                batch = [batch[p] for p in running]
            logits = decoder.step(tokens)

    def _to_sample(self, row: _Row, prompt_ids: list[int]) -> Sample:
        text = decode(self.policy.tokenizer, row.token_ids)
        if row.stop_at is not None:
            text = text[: row.stop_at]
        return Sample(
            text=text,
            token_ids=tuple(row.token_ids),
            logprobs=tuple(row.logprobs),
            finished=row.finished,
            prompt_index=row.prompt_index,
            sample_index=row.sample_index,
            prompt_token_ids=tuple(prompt_ids),
        )


def occurrence_counts(prompts: Sequence[str]) -> list[int]:
    """For each prompt, how many earlier prompts have the same text: ``["a", "b", "a"]`` ->
    ``[0, 0, 1]``."""
    seen: dict[str, int] = {}
    counts = []
    for text in prompts:
        counts.append(seen.get(text, 0))
        seen[text] = counts[-1] + 1
    return counts


def eos_ids_of(policy: Policy) -> frozenset[int]:
    """Every id that ends a sequence: the tokenizer's eos and the model's configured ones."""
    ids: set[int] = set()
    for source in (policy.tokenizer, policy.model.config, policy.model.generation_config):
        value = getattr(source, "eos_token_id", None)
        if isinstance(value, int):
            ids.add(value)
        elif value is not None:
            ids.update(value)
    return frozenset(ids)
