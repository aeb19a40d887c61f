"""Entry point of the `coderl` command: one subcommand per pipeline stage."""

from __future__ import annotations

import argparse
import importlib
import sys

from coderl.cli.options import EXIT_FAILURE, EXIT_SIGINT, EXIT_SIGTERM, EXIT_USAGE, Parser
from coderl.cli.signals import Terminated, sigterm_as_interrupt
from coderl.errors import CoderlError

# (subcommand, module under coderl.cli, one-line help). A module defines
# `add_arguments(parser)` and `run(args) -> int`.
SUBCOMMANDS = [
    ("problems", "problems", "Load a benchmark and summarise it (or --show one problem)."),
    ("judge", "judge", "Judge a samples file against a benchmark's tests."),
    ("evaluate", "evaluate", "Judge samples (or generate with --model) and report pass@k."),
    ("generate", "generate", "Sample programs from a model for a benchmark."),
    ("train", "train", "Train a policy or critic (sft, ...) from a YAML config."),
    ("critic", "critic", "Outcome critic: build its training data (sample, judge, label)."),
    ("models", "models", "Model utilities: list built-in names, export GGUF to a folder."),
    ("quickstart", "quickstart", "Run the whole pipeline on the built-in testbed, on CPU."),
    ("report", "report", "Write a run folder's report page (one self-contained HTML file)."),
]


def build_parser() -> argparse.ArgumentParser:
    from coderl import __version__

    parser = Parser(
        prog="coderl",
        description="Train and evaluate code LMs with reinforcement learning from execution "
        "feedback.",
    )
    parser.add_argument("--version", action="version", version=f"coderl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
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
    """Run one subcommand; exit codes (docs/cli.md): 0 done, 1 failed, 2 bad usage or input,
    130 interrupted (SIGINT), 143 terminated (SIGTERM)."""
    parser = build_parser()
    try:
        if not (sys.argv[1:] if argv is None else argv):
            parser.error(f"give a command: {', '.join(name for name, _, _ in SUBCOMMANDS)}")
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a usage error (already printed)
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    try:
        with sigterm_as_interrupt():
            return int(args._run(args) or 0)
    except BrokenPipeError:  # e.g. `coderl problems ... | head`
        sys.stderr.close()
        return 0
    except Terminated:
        print(f"coderl {args.command}: terminated (SIGTERM)", file=sys.stderr)
        return EXIT_SIGTERM
    except KeyboardInterrupt:
        print(f"coderl {args.command}: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except CoderlError as err:
        print(f"coderl {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:  # the machine, not the input: a full disk, a vanished file
        where = f"{err.filename}: " if err.filename else ""
        print(f"coderl {args.command}: failed: {where}{err.strerror or err}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
