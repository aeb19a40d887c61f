"""Entry point of the `coderl` command: one subcommand per pipeline stage."""

from __future__ import annotations

import argparse
import importlib
import sys

from coderl.errors import CoderlError

# (subcommand, module under coderl.cli, one-line help). A module defines
# `add_arguments(parser)` and `run(args) -> int`.
SUBCOMMANDS = [
    ("problems", "problems", "Load a benchmark and summarise it (or --show one problem)."),
    ("judge", "judge", "Judge a samples file against a benchmark's tests."),
    ("evaluate", "evaluate", "Judge samples (or generate with --model) and report pass@k."),
    ("generate", "generate", "Sample programs from a model for a benchmark."),
    ("train", "train", "Train a policy or critic (sft, ...) from a YAML config."),
    ("models", "models", "Model utilities: list built-in names, export GGUF to a folder."),
    ("quickstart", "quickstart", "Run the whole pipeline on the built-in testbed, on CPU."),
]


def build_parser() -> argparse.ArgumentParser:
    from coderl import __version__

    parser = argparse.ArgumentParser(
        prog="coderl",
        description="Train and evaluate code LMs with reinforcement learning from execution "
        "feedback.",
    )
    parser.add_argument("--version", action="version", version=f"coderl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name, help_text in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"coderl.cli.{module_name}")
        except ModuleNotFoundError as err:
            if err.name != f"coderl.cli.{module_name}":
                raise
            continue  # a stage that has not landed yet
        command = sub.add_parser(
            name,
            help=help_text,
            description=getattr(module, "DESCRIPTION", help_text),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 0
    try:
        return int(args._run(args) or 0)
    except BrokenPipeError:  # e.g. `coderl problems ... | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except CoderlError as err:
        print(f"coderl {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
