"""`coderl critic data`: the outcome critic's training set (sampled, judged, labelled)."""

from __future__ import annotations

import argparse

from coderl.cli.options import (
    Flag,
    add_config_arguments,
    add_flags,
    add_progress_argument,
    load_command_config,
    positive_float,
    positive_int,
)

DESCRIPTION = """Outcome-critic utilities (CodeRL).

  coderl critic data --policy runs/qs/sft/step_1200 --problems synthetic@train[0:200] \\
      --n 8 --out runs/critic/train.jsonl

`data` samples N programs per problem from the policy, judges them on the hidden tests,
labels each by its verdict (compile_error, runtime_error incl. timeout/memory, wrong_answer,
passed), adds the greedy program and the reference solutions (as passed), and prints the class
balance. Programs the judge could not decide (infra_error) are kept in the file unlabelled and
counted as dropped. Run it again to resume: problems already in --out are skipped.
Train a critic on the file with `coderl train critic --config FILE`.
"""

DATA_FLAGS = (
    Flag("--policy", "policy", "policy to sample from (an SFT checkpoint)", metavar="CKPT"),
    Flag("--problems", "problems", "problem spec of the problems to label", metavar="SPEC"),
    Flag("--out", "out", "JSONL to append to (resumed)", metavar="FILE"),
    Flag("--n", "n", "sampled programs per problem", positive_int),
    Flag("--temperature", "temperature", "sampling temperature", positive_float),
    Flag("--max-new-tokens", "max_new_tokens", "tokens per program at most", positive_int),
    Flag("--batch-size", "batch_size", "sequences per forward pass", positive_int),
    Flag("--seed", "seed", "samples are a function of seed and prompt", int),
    Flag("--device", "device", "cpu, cuda, cuda:N or auto"),
    Flag("--workers", "workers", "judge processes", positive_int),
    Flag("--cpu-time-s", "cpu_time_s", "CPU seconds per test", positive_float),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from coderl.training.critic_data import CriticDataConfig

    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    data = actions.add_parser(
        "data",
        help="sample, judge and label programs for critic training",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_flags(data, DATA_FLAGS, CriticDataConfig)
    add_config_arguments(data, CriticDataConfig)
    add_progress_argument(data)


def run(args: argparse.Namespace) -> int:
    from coderl.training.critic_data import CriticDataConfig, collect_critic_data

    config = load_command_config(CriticDataConfig, args, DATA_FLAGS)
    print(collect_critic_data(config, progress=not args.no_progress).summary())
    return 0
