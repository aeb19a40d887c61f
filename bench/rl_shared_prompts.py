"""The RL update's forward and backward pass with each group's prompt run once, against one
pass per sample, on testbed-shaped rollouts.

A GRPO step scores ``--prompts`` x ``--group`` programs; the samples of one prompt share it,
and testbed prompts (statement and examples, about 140 tokens) are several times longer than
the programs (about 30). coderl runs each distinct prompt once and scores every completion on
its copied KV cache (`completion_forward`); the baseline runs every sample's prompt and
completion in one pass, as most RL libraries do. Both on the quickstart's model shape (a
random Llama, hidden 128, 2 layers, 1024-token vocabulary), the real prompts of the
synthetic testbed, random completions of ``--completion`` tokens, micro-batches of
``--micro-batch``; alternating, median over ``--rounds`` rounds. The last line is the ratio.

    python bench/rl_shared_prompts.py
    python bench/rl_shared_prompts.py --prompts 32 --group 8 --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=32, help="prompts per step")
    parser.add_argument("--group", type=int, default=8, help="samples per prompt")
    parser.add_argument("--completion", type=int, default=32, help="tokens per sample")
    parser.add_argument("--micro-batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args()


def testbed_rollout(args: argparse.Namespace):
    """A rollout of the testbed's first prompts, each ``--group`` times, with random
    completions (their content does not change the cost)."""
    from coderl.generation.runner import build_prompts
    from coderl.models.tiny import build_tiny_causal
    from coderl.problems import load_problems
    from coderl.training.rollout import RolloutSample, build_rollout

    policy = build_tiny_causal(vocab_size=1024, hidden=128, layers=2, heads=4)
    problems = load_problems(f"synthetic@train[0:{args.prompts}]").problems
    prompts = build_prompts(policy, problems, None)
    encoded = policy.tokenizer(list(prompts)).input_ids
    generator = torch.Generator().manual_seed(0)
    vocab = policy.model.config.vocab_size
    samples = [
        RolloutSample(
            prompt_token_ids=tuple(ids),
            token_ids=tuple(random_ids(vocab, args.completion, generator)),
            logprobs=(0.0,) * args.completion,
            finished=True,
            reward=0.0,
            group_id=g,
            verdict="passed",
            problem_id=str(g),
        )
        for g, ids in enumerate(encoded)
        for _ in range(args.group)
    ]
    return policy, build_rollout(samples, policy.tokenizer.pad_token_id, left_pad_prompts=True)


def random_ids(vocab: int, length: int, generator: torch.Generator) -> list[int]:
    return torch.randint(3, vocab, (length,), generator=generator).tolist()


def update_seconds(model, rollout, micro_batch: int, share_prompts: bool) -> float:
    """Forward and backward of a token loss over the whole rollout, in micro-batches."""
    from coderl.training.rollout import Processing, completion_forward, token_logprobs

    start = time.perf_counter()
    for first in range(0, len(rollout), micro_batch):
        part = rollout.select(range(first, min(first + micro_batch, len(rollout))))
        logits, _ = completion_forward(model, part, False, share_prompts=share_prompts)
        logprobs, _ = token_logprobs(logits, part, Processing())
        (-(logprobs * part.completion_mask).sum()).backward()
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - start


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    policy, rollout = testbed_rollout(args)
    model = policy.model
    prompt_tokens = int(rollout.prompt_mask.sum()) / len(rollout)
    print(
        f"{len(rollout)} samples ({args.prompts} prompts x {args.group}), prompts "
        f"{prompt_tokens:.0f} tokens on average, completions {args.completion}, "
        f"micro-batches of {args.micro_batch}"
    )
    times: dict[bool, list[float]] = {False: [], True: []}
    update_seconds(model, rollout, args.micro_batch, True)  # warm-up
    for _ in range(args.rounds):
        for share in (False, True):
            times[share].append(update_seconds(model, rollout, args.micro_batch, share))
    one_pass, shared = statistics.median(times[False]), statistics.median(times[True])
    print(f"one pass per sample:   {one_pass:.3f} s (median of {args.rounds})")
    print(f"one pass per prompt:   {shared:.3f} s")
    print(f"forward+backward speed-up of sharing prompts: {one_pass / shared:.2f}x")


if __name__ == "__main__":
    main()
