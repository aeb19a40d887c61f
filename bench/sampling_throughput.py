"""Sampler throughput against a naive loop of one `model.generate` call per sequence.

Same model, prompts, sampling settings and token budget for both; prints generated tokens
per second of each and the ratio. Run on a quiet machine:

    python bench/sampling_throughput.py --model smollm2-135m --prompts 8 --n 4
    python bench/sampling_throughput.py --tiny        # a tiny random model, seconds
"""

from __future__ import annotations

import argparse
import time

import torch

PROMPT_TEMPLATE = 'def function_{i}(values):\n    """Return the {i}-th statistic of values."""\n'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m", help="anything load_policy accepts")
    parser.add_argument("--tiny", action="store_true", help="use build_tiny_causal instead")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--n", type=int, default=4, help="samples per prompt")
    parser.add_argument("--max-new-tokens", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    return parser.parse_args()


def naive_generate(policy, prompts: list[str], n: int, max_new_tokens: int) -> int:
    """One generate() call per sequence (top-k 50, temperature 1); returns tokens made."""
    made = 0
    tokenizer = policy.tokenizer
    for prompt in prompts:
        ids = tokenizer(prompt, return_tensors="pt").to(policy.model.device)
        for _ in range(n):
            out = policy.model.generate(
                **ids,
                do_sample=True,
                top_k=50,
                temperature=1.0,
                max_new_tokens=max_new_tokens,
                pad_token_id=tokenizer.pad_token_id,
            )
            made += out.shape[1] - ids.input_ids.shape[1]
    return made


def main() -> None:
    from coderl.generation import Sampler, SamplingConfig
    from coderl.models import build_tiny_causal, load_policy

    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    policy = build_tiny_causal() if args.tiny else load_policy(args.model, device=args.device)
    prompts = [PROMPT_TEMPLATE.format(i=i) for i in range(args.prompts)]
    config = SamplingConfig(
        n=args.n, top_k=50, max_new_tokens=args.max_new_tokens, batch_size=args.batch_size
    )
    sampler = Sampler(policy, config)

    start = time.perf_counter()
    samples = sampler.sample(prompts)
    sampler_s = time.perf_counter() - start
    sampler_tokens = sum(len(s.token_ids) for group in samples for s in group)

    torch.manual_seed(0)
    start = time.perf_counter()
    with torch.inference_mode():
        naive_tokens = naive_generate(policy, prompts, args.n, args.max_new_tokens)
    naive_s = time.perf_counter() - start

    print(f"model {policy.name}, {len(prompts)} prompts x {args.n} samples, device {args.device}")
    sampler_rate = report("Sampler", sampler_tokens, sampler_s)
    naive_rate = report("generate() per seq", naive_tokens, naive_s)
    print(f"ratio {sampler_rate / naive_rate:.2f}x")


def report(label: str, tokens: int, seconds: float) -> float:
    rate = tokens / seconds
    print(f"{label:<20}{tokens:7d} tokens {seconds:8.2f} s {rate:9.1f} tok/s")
    return rate


if __name__ == "__main__":
    main()
