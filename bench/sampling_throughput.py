"""Sampler throughput against a naive loop of one `model.generate` call per sequence.

Same model, prompts, sampling settings and token budget for both; the two alternate for
``--rounds`` rounds and the median generated tokens per second of each, and their ratio, are
printed. Run on a quiet machine:

    python bench/sampling_throughput.py --model smollm2-135m --prompts 8 --n 4 --rounds 3
    python bench/sampling_throughput.py --tiny        # a tiny random model, seconds
"""

from __future__ import annotations

import argparse
import statistics
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
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
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

    sampler_rates, naive_rates = [], []
    for round_ in range(args.rounds):
        start = time.perf_counter()
        samples = sampler.sample(prompts, seed=round_)
        sampler_tokens = sum(len(s.token_ids) for group in samples for s in group)
        sampler_rates.append(sampler_tokens / (time.perf_counter() - start))

        torch.manual_seed(round_)
        start = time.perf_counter()
        with torch.inference_mode():
            naive_tokens = naive_generate(policy, prompts, args.n, args.max_new_tokens)
        naive_rates.append(naive_tokens / (time.perf_counter() - start))
        print(
            f"round {round_}: Sampler {sampler_rates[-1]:.1f} tok/s ({sampler_tokens} tokens), "
            f"generate() per seq {naive_rates[-1]:.1f} tok/s ({naive_tokens} tokens)"
        )

    print(f"model {policy.name}, {len(prompts)} prompts x {args.n} samples, device {args.device}")
    sampler_rate = statistics.median(sampler_rates)
    naive_rate = statistics.median(naive_rates)
    print(f"median Sampler            {sampler_rate:9.1f} tok/s")
    print(f"median generate() per seq {naive_rate:9.1f} tok/s")
    print(f"ratio {sampler_rate / naive_rate:.2f}x")


if __name__ == "__main__":
    main()
