"""`coderl quickstart`: the whole pipeline on the built-in testbed, on a laptop CPU."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from coderl.cli.options import add_progress_argument, add_set_argument
from coderl.cli.report import add_no_report_argument
from coderl.config import describe_config
from coderl.recipes.quickstart_config import FAST_PRESET, QuickstartConfig

DESCRIPTION = """Run the whole pipeline in one folder, in minutes on a CPU: build the synthetic
testbed, train a tokenizer and a tiny model from scratch, fine-tune it on the train problems,
improve it with RL from the judge (rl.algorithm: grpo, drgrpo, rloo, reinforce), sample
programs of both policies for the held-out problems, judge them on their hidden tests, and
report pass@1 (greedy) and pass@k (temperature samples) per policy and difficulty.
Re-running with the same --out skips the stages that finished (and re-runs those whose
config section changed).
See docs/quickstart.md.

  coderl quickstart                       # the tuned run (about 8 minutes)
  coderl quickstart --set rl.algorithm=grpo   # another learner for the RL stage
  coderl quickstart --fast                # every stage in seconds (CI)
  coderl quickstart --set sft.steps=600 --set sample.n=20 --out runs/longer
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help=f"YAML config, or the name of a shipped preset ({FAST_PRESET})",
    )
    add_set_argument(parser, "sft.steps=100")
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="run folder (default: runs/quickstart-YYYYmmdd-HHMMSS); an existing one resumes",
    )
    parser.add_argument(
        "--fast", action="store_true", help=f"the {FAST_PRESET} preset: a few steps, for CI"
    )
    add_progress_argument(parser)
    add_no_report_argument(parser)
    parser.epilog = "config keys (defaults are the tuned run):\n" + describe_config(
        QuickstartConfig
    )


def run(args: argparse.Namespace) -> int:
    from coderl.cli.report import write_run_report
    from coderl.files import check_output_dir
    from coderl.recipes.quickstart import run_quickstart, summary
    from coderl.recipes.quickstart_config import load_quickstart_config

    config = load_quickstart_config(args.config, args.overrides, fast=args.fast)
    folder = Path(args.out or time.strftime("runs/quickstart-%Y%m%d-%H%M%S"))
    check_output_dir(folder, "--out", {"--config": args.config})  # an existing run resumes
    times = run_quickstart(config, folder, progress=not args.no_progress)
    print()
    print(summary(folder, times))
    write_run_report(folder, args)
    return 0
