"""`coderl train ALGO --config FILE.yaml [--set key=value ...] [--resume]`.

One sub-command per learner; each maps a YAML file onto its typed config and calls one
library function ``train(config, resume=..., progress=...)`` whose result has ``summary()``.
Adding a learner is one more `Algorithm` in `ALGORITHMS`.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from typing import Any

DESCRIPTION = """Train a policy or critic from a YAML config.

Each algorithm reads a YAML config (see configs/ for examples); --set overrides single keys,
with dots for sections. The resolved config is written to OUTPUT_DIR/config.yaml, checkpoints
to OUTPUT_DIR/step_N/, metrics to OUTPUT_DIR/metrics.jsonl and OUTPUT_DIR/tensorboard.
  coderl train sft --config configs/sft_tiny.yaml
  coderl train sft --config configs/sft_tiny.yaml --set optim.lr=1e-4 --set max_steps=200
  coderl train sft --config configs/sft_tiny.yaml --resume
  coderl train grpo --config configs/grpo_testbed.yaml
  coderl train ppo --config configs/ppo_testbed.yaml
"""


@dataclass(frozen=True)
class Algorithm:
    """A learner: its config class and train function, as ``module:name`` (imported lazily,
    so that ``coderl --help`` does not import torch)."""

    name: str
    help: str
    config: str
    train: str
    preset: tuple[str, ...] = ()  # overrides applied before the user's (``algorithm=rloo``)

    def load(self, attribute: str) -> Any:
        module, _, name = getattr(self, attribute).partition(":")
        return getattr(importlib.import_module(module), name)


ALGORITHMS = (
    Algorithm(
        name="sft",
        help="supervised fine-tuning on reference solutions (the warm start of CodeRL/PPOCoder)",
        config="coderl.training.configs:SFTConfig",
        train="coderl.training.sft:train_sft",
    ),
    *(
        Algorithm(
            name=name,
            help=f"online RL from the judge's rewards: {text}",
            config="coderl.training.rl_configs:GRPOConfig",
            train="coderl.training.grpo:train_grpo",
            preset=(f"algorithm={name}",),
        )
        for name, text in (
            ("grpo", "GRPO (group-normalised advantages, clipped surrogate, optional KL)"),
            ("drgrpo", "Dr.GRPO (GRPO without std and length normalisation)"),
            ("rloo", "RLOO (leave-one-out baseline)"),
            ("reinforce", "REINFORCE with CodeRL's greedy-decoding baseline"),
        )
    ),
    Algorithm(
        name="ppo",
        help="PPO with a value head, a KL-controlled reference and GAE (PPOCoder's learner)",
        config="coderl.training.ppo_config:PPOConfig",
        train="coderl.training.ppo:train_ppo",
    ),
    Algorithm(
        name="critic",
        help="CodeRL's outcome critic on `coderl critic data` files, with a held-out report",
        config="coderl.training.critic_config:CriticConfig",
        train="coderl.training.critic_train:train_critic",
    ),
    Algorithm(
        name="coderl",
        help="CodeRL actor-critic (critic-weighted policy gradient + CE), online or offline",
        config="coderl.training.coderl_config:CodeRLConfig",
        train="coderl.training.actor_critic:train_coderl",
    ),
    Algorithm(
        name="repair",
        help="CodeRL's repair model: SFT on (failed program, error) -> passing program pairs",
        config="coderl.training.repair:RepairConfig",
        train="coderl.training.repair:train_repair",
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from coderl.cli.options import add_progress_argument, add_set_argument
    from coderl.cli.report import add_no_report_argument
    from coderl.config import describe_config

    algorithms = parser.add_subparsers(dest="algorithm", metavar="ALGO", required=True)
    for algorithm in ALGORITHMS:
        sub = algorithms.add_parser(
            algorithm.name,
            help=algorithm.help,
            description=algorithm.help,
            epilog="config fields (YAML keys, or --set KEY=VALUE):\n"
            + describe_config(algorithm.load("config")),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.add_argument("--config", required=True, metavar="FILE.yaml", help="the run's config")
        add_set_argument(sub, "optim.lr=1e-4")
        sub.add_argument(
            "--resume",
            action="store_true",
            help="continue exactly from the newest checkpoint in output_dir",
        )
        add_progress_argument(sub)
        add_no_report_argument(sub)
        sub.set_defaults(_algorithm=algorithm)


def run(args: argparse.Namespace) -> int:
    import logging

    from coderl.config import Override, load_config
    from coderl.files import check_output_dir

    logging.basicConfig(format="%(message)s")
    logging.getLogger("coderl").setLevel(logging.INFO)
    algorithm: Algorithm = args._algorithm
    # `train rloo` is the RL config with algorithm=rloo: applied over the file, under --set
    preset = [Override.parse(text, f"coderl train {algorithm.name}") for text in algorithm.preset]
    config = load_config(algorithm.load("config"), args.config, [*preset, *args.overrides])
    output_dir = getattr(config, "output_dir", None)
    if output_dir is not None:  # before the model loads; resuming is the learner's check
        check_output_dir(output_dir, "output_dir", {"--config": args.config})
    result = algorithm.load("train")(config, resume=args.resume, progress=not args.no_progress)
    from coderl.training.distributed import main_process

    if not main_process():  # under a launcher, rank 0 alone reports
        return 0
    print(result.summary())
    if output_dir is not None:
        from coderl.cli.report import write_run_report

        write_run_report(output_dir, args)
    return 0
