"""Step time of `coderl train` on 1 process against 2 (torchrun, CPU, gloo), same global batch.

Trains a tiny random Llama (hidden 128, 2 layers, a 320-token code tokenizer) on the synthetic
problems: SFT (``--sft-batch`` examples per step) and GRPO (``--prompts`` prompts x
``--group`` samples of ``--new-tokens`` tokens per step, judged). Each run is
``torchrun --standalone --nproc_per_node N -m coderl.cli.main train ALGO``; the step time is
the median over the steps after the first of the step's timers (``time/*`` in
metrics.jsonl, rank 0's), so start-up is left out.

    python bench/distributed_step_time.py --steps 6
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from coderl.config import save_config
from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig, SFTConfig
from coderl.training.metrics_log import read_metrics
from coderl.training.rl_configs import GRPOConfig, RLJudgeConfig, RolloutConfig


def tiny_model(path: Path) -> Path:
    from coderl.models import build_tiny_causal, train_code_tokenizer
    from coderl.problems import load_problems

    problems = load_problems("synthetic@train[0:200]").problems
    texts = [p.statement for p in problems] + [p.solutions[0] for p in problems]
    tokenizer = train_code_tokenizer(texts, vocab_size=320)
    policy = build_tiny_causal(tokenizer=tokenizer, hidden=128, layers=2, heads=2, seed=0)
    policy.model.config.attention_dropout = 0.0
    policy.model.save_pretrained(path)
    policy.tokenizer.save_pretrained(path)
    return path


def configs(model: Path, root: Path, args: argparse.Namespace) -> dict[str, object]:
    common = {"device": "cpu", "max_steps": args.steps}
    logging = LoggingConfig(every_steps=1, tensorboard=False)
    checkpoint = CheckpointConfig(every_steps=args.steps)
    return {
        "sft": SFTConfig(
            model=str(model),
            problems="synthetic@train[0:256]",
            output_dir=str(root / "sft"),
            batch_size=args.sft_batch,
            epochs=None,
            max_seq_len=256,
            optim=OptimConfig(lr=1e-3),
            logging=logging,
            checkpoint=checkpoint,
            **common,
        ),
        "grpo": GRPOConfig(
            model=str(model),
            problems="synthetic@train[0:256]",
            output_dir=str(root / "grpo"),
            micro_batch_size=8,
            rollout=RolloutConfig(
                prompts_per_step=args.prompts,
                group_size=args.group,
                max_new_tokens=args.new_tokens,
                batch_size=args.group * args.prompts // 2,
            ),
            judge=RLJudgeConfig(workers=1),
            logging=logging,
            checkpoint=checkpoint,
            **common,
        ),
    }


def step_seconds(output_dir: Path) -> float:
    records = read_metrics(output_dir / "metrics.jsonl")[1:]
    totals = [sum(v for k, v in r.items() if k.startswith("time/") and v) for r in records]
    return statistics.median(totals)


def run(algorithm: str, config, processes: int, root: Path) -> float:
    output_dir = root / f"{algorithm}-{processes}"
    config_path = root / f"{algorithm}-{processes}.yaml"
    save_config(replace(config, output_dir=str(output_dir)), config_path)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node", str(processes), "-m", "coderl.cli.main", "train"]
    command += [algorithm, "--config", str(config_path), "--no-progress"]
    env = os.environ | {"OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    subprocess.run(command, env=env, check=True, capture_output=True)
    return step_seconds(output_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--sft-batch", type=int, default=16, help="SFT examples per step")
    parser.add_argument("--prompts", type=int, default=4, help="GRPO prompts per step")
    parser.add_argument("--group", type=int, default=4, help="GRPO samples per prompt")
    parser.add_argument("--new-tokens", type=int, default=48)
    args = parser.parse_args()
    print(f"cpus={os.cpu_count()} steps={args.steps} (median step time after the first)")
    print(f"{'run':<6} {'1 process s/step':>17} {'2 processes s/step':>19} {'speed-up':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = tiny_model(root / "model")
        for algorithm, config in configs(model, root, args).items():
            one, two = (run(algorithm, config, n, root) for n in (1, 2))
            print(f"{algorithm:<6} {one:>17.3f} {two:>19.3f} {one / two:>8.2f}x")


if __name__ == "__main__":
    main()
