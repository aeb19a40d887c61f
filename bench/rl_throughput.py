"""GRPO step throughput: coderl against TRL's `GRPOTrainer`, in one run, on the same model.

Both train the same tiny random Llama (hidden 128, 2 layers, SmolLM2's 49k-token vocabulary
and tokenizer) with GRPO from the same cheap reward (no judge on either side, so that the
learners' own machinery is compared): ``--prompts`` prompts x ``--generations`` samples x
``--new-tokens`` tokens per step, sampling at temperature 1 with no top-k/top-p, one
optimizer step per rollout, for each KL coefficient in ``--betas``. TRL runs on CPU without
vLLM. Each measurement is the median over ``--steps`` steps after ``--warmup`` steps; TRL
and coderl alternate for ``--rounds`` rounds. The last line is the ratio of generated tokens
per second of the whole step (coderl / TRL), the worst over the betas.

    python bench/rl_throughput.py                 # 2 x 4 x 64, beta 0 and 0.04
    python bench/rl_throughput.py --rounds 3 --steps 8
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from sampling_throughput import tiny_49k  # bench/ is on sys.path when run as a script

PROMPTS = [
    "Write a Python function that returns the sum of a list of integers.\n",
    "Write a Python function that reverses a string.\n",
    "Write a Python function that counts the vowels in a string.\n",
    "Write a Python function that returns the largest of three numbers.\n",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=2, help="prompts per step")
    parser.add_argument("--generations", type=int, default=4, help="samples per prompt")
    parser.add_argument("--new-tokens", type=int, default=64, help="tokens per sample")
    parser.add_argument("--betas", default="0,0.04", help="KL coefficients, comma-separated")
    parser.add_argument("--steps", type=int, default=6, help="measured steps per round")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured steps first")
    parser.add_argument("--rounds", type=int, default=2, help="alternating TRL/coderl rounds")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    return parser.parse_args()


def reward(text: str) -> float:
    """A cheap reward that varies between samples: the share of letters a-f."""
    return sum(c in "abcdef" for c in text) / max(len(text), 1)


class TRLRun:
    """TRL's GRPOTrainer, stepped one optimizer step at a time with a timing callback."""

    def __init__(self, model_dir: Path, tokenizer, beta: float, args, workdir: Path):
        from datasets import Dataset
        from transformers import TrainerCallback
        from trl import GRPOConfig, GRPOTrainer

        total = args.warmup + args.steps
        prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.prompts * total * 4)]
        step_times: list[float] = []

        class Clock(TrainerCallback):
            def on_step_begin(self, *a, **k):
                self.start = time.perf_counter()

            def on_step_end(self, *a, **k):
                step_times.append(time.perf_counter() - self.start)

        config = GRPOConfig(
            output_dir=str(workdir),
            per_device_train_batch_size=args.prompts * args.generations,
            num_generations=args.generations,
            max_completion_length=args.new_tokens,
            temperature=1.0,
            beta=beta,
            learning_rate=1e-5,
            max_steps=total,
            logging_steps=1000,
            save_strategy="no",
            report_to="none",
            use_cpu=True,
            bf16=False,
            dataloader_num_workers=0,
            seed=0,
        )
        self.trainer = GRPOTrainer(
            model=str(model_dir),  # a path: TRL loads its reference model from it too
            reward_funcs=lambda completions, **kw: [reward(c) for c in completions],
            args=config,
            train_dataset=Dataset.from_dict({"prompt": prompts}),
            processing_class=tokenizer,
            callbacks=[Clock()],
        )
        self.step_times = step_times
        self.tokens_per_step = args.prompts * args.generations * args.new_tokens
        self.args = args

    def run(self) -> tuple[float, float]:
        self.trainer.train()
        measured = self.step_times[self.args.warmup :]
        seconds = statistics.median(measured)
        return seconds, self.tokens_per_step / seconds


class CoderlRun:
    """coderl's sampler and GRPO learner on the same model, reward and batch shape."""

    def __init__(self, model_dir: Path, tokenizer, beta: float, args: argparse.Namespace):
        from coderl.generation import Sampler, SamplingConfig
        from coderl.models.policy import Policy
        from coderl.training.configs import OptimConfig
        from coderl.training.grpo import PolicyGradientLearner
        from coderl.training.rl_configs import GRPOConfig, KLConfig, RolloutConfig

        self.args = args
        from transformers import AutoModelForCausalLM

        model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        policy = Policy(model, tokenizer, False, "tiny-llama-49k")
        self.config = GRPOConfig(
            model=str(model_dir),  # the KL term's reference policy is loaded from it
            problems="-",
            micro_batch_size=args.prompts * args.generations,
            rollout=RolloutConfig(
                prompts_per_step=args.prompts,
                group_size=args.generations,
                max_new_tokens=args.new_tokens,
                batch_size=args.prompts * args.generations,
            ),
            kl=KLConfig(beta=beta),
            optim=OptimConfig(lr=1e-5, schedule="constant"),
        )
        # every sample runs to the token budget, as with TRL's random model (no early eos)
        self.sampler = Sampler(
            policy,
            SamplingConfig(
                n=args.generations,
                max_new_tokens=args.new_tokens,
                batch_size=args.prompts * args.generations,
            ),
        )
        self.policy = policy
        self.learner = PolicyGradientLearner(policy, self.config)

    def step(self, step: int) -> tuple[float, int]:
        from coderl.training.rollout import RolloutSample, build_rollout
        from coderl.training.timers import Timers

        start = time.perf_counter()
        prompts = [
            PROMPTS[(step * self.args.prompts + i) % len(PROMPTS)] for i in range(self.args.prompts)
        ]
        groups = self.sampler.sample(prompts, seed=step)
        samples = [
            RolloutSample.of(s, reward=reward(s.text), group_id=i, verdict="-", problem_id=str(i))
            for i, group in enumerate(groups)
            for s in group
        ]
        tokenizer = self.policy.tokenizer
        rollout = build_rollout(samples, tokenizer.pad_token_id, left_pad_prompts=True)
        self.learner.update(rollout, step + 1, Timers())
        return time.perf_counter() - start, rollout.num_tokens

    def run(self) -> tuple[float, float]:
        times, rates = [], []
        for step in range(self.args.warmup + self.args.steps):
            seconds, tokens = self.step(step)
            if step >= self.args.warmup:
                times.append(seconds)
                rates.append(tokens / seconds)
        return statistics.median(times), statistics.median(rates)


def main() -> None:
    import logging

    import transformers

    args = parse_args()
    torch.set_num_threads(args.threads)
    transformers.logging.set_verbosity_error()
    logging.getLogger("trl").setLevel(logging.ERROR)
    policy = tiny_49k()  # the sampling benchmark's model: hidden 128, 2 layers, 49k vocab
    tokenizer = policy.tokenizer
    betas = [float(b) for b in args.betas.split(",")]
    results: dict[tuple[str, float], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as workdir:
        model_dir = Path(workdir) / "model"
        policy.model.save_pretrained(model_dir)
        tokenizer.save_pretrained(model_dir)
        for round_ in range(args.rounds):
            for beta in betas:
                for name in ("trl", "coderl"):
                    run = (
                        TRLRun(model_dir, tokenizer, beta, args, Path(workdir) / f"trl-{round_}")
                        if name == "trl"
                        else CoderlRun(model_dir, tokenizer, beta, args)
                    )
                    seconds, rate = run.run()
                    results.setdefault((name, beta), []).append((seconds, rate))
                    print(
                        f"round {round_} beta {beta:<5} {name:<6} {seconds:6.3f} s/step "
                        f"{rate:8.1f} generated tok/s",
                        flush=True,
                    )
    shape = f"{args.prompts} prompts x {args.generations} generations x {args.new_tokens} tokens"
    print(f"\n{shape}, {args.threads} threads, medians over rounds:")
    ratios = []
    for beta in betas:
        trl_s = statistics.median(s for s, _ in results[("trl", beta)])
        trl_r = statistics.median(r for _, r in results[("trl", beta)])
        ours_s = statistics.median(s for s, _ in results[("coderl", beta)])
        ours_r = statistics.median(r for _, r in results[("coderl", beta)])
        ratios.append(ours_r / trl_r)
        print(
            f"beta {beta:<5} TRL {trl_s:6.3f} s/step {trl_r:7.1f} tok/s | "
            f"coderl {ours_s:6.3f} s/step {ours_r:7.1f} tok/s | {ours_r / trl_r:.2f}x"
        )
    print(f"coderl / TRL generated tokens per second (worst beta): {min(ratios):.2f}x")


if __name__ == "__main__":
    main()
