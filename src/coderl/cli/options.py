"""What every subcommand shares: one-line usage errors, options mapped onto config keys,
``--config FILE`` + ``--set KEY=VALUE``, ``--no-progress``, and the problem set checks.

A subcommand declares its options as `Flag`s over its typed config: ``--workers 4`` is
``--set judge.workers=4`` with the option's name in error messages, and its ``--help`` shows
the default from the dataclass. Sources apply in order: the config's defaults, ``--config
FILE``, each ``--set``, then the options given (docs/cli.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from coderl.errors import CoderlError

if TYPE_CHECKING:
    from coderl.config import Override
    from coderl.problems import Problem

T = TypeVar("T")

DTYPES = ("auto", "float32", "bfloat16", "float16")
"""--dtype choices, the same for every subcommand that loads a model."""

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_SIGINT, EXIT_SIGTERM = 0, 1, 2, 130, 143


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line (``coderl judge: error: ...``) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


@dataclass(frozen=True)
class Flag:
    """A command-line option that sets one config key (``None``: an option of the command
    itself, not of its config)."""

    option: str
    key: str | None
    help: str
    type: Callable[[str], Any] | None = None
    choices: tuple[str, ...] | None = None
    action: str | None = None
    metavar: str | None = None
    default_text: str | None = None  # shown for a default computed at run time

    @property
    def dest(self) -> str:
        return self.option.lstrip("-").replace("-", "_")


def add_flags(parser: argparse.ArgumentParser, flags: Sequence[Flag], config: type) -> None:
    """Add ``flags`` to ``parser``; each one's help ends with its default from ``config``."""
    for flag in flags:
        kwargs: dict[str, Any] = {"dest": flag.dest, "default": None, "help": flag.help}
        if flag.default_text is not None:
            kwargs["help"] = f"{flag.help} (default: {flag.default_text})"
        elif flag.key is not None and flag.action is None:
            from coderl.config import key_default

            default = key_default(config, flag.key)
            if default is dataclasses.MISSING:
                kwargs["help"] = f"{flag.help} (required: here, in --config or by --set)"
            elif default is not None:
                kwargs["help"] = f"{flag.help} (default: {_show(default)})"
        if flag.action:
            kwargs["action"] = flag.action
        else:
            kwargs.update(type=flag.type, choices=flag.choices, metavar=flag.metavar)
        parser.add_argument(flag.option, **{k: v for k, v in kwargs.items() if v is not None})


def add_config_arguments(parser: argparse.ArgumentParser, config: type) -> None:
    """``--config FILE`` and ``--set KEY=VALUE`` over ``config``'s keys (listed in --help)."""
    from coderl.config import describe_config

    parser.add_argument("--config", metavar="FILE", help="YAML file of config keys (see below)")
    add_set_argument(parser, "judge.workers=4")
    parser.epilog = (
        (parser.epilog + "\n\n" if parser.epilog else "")
        + "config keys (YAML keys for --config, or --set KEY=VALUE):\n"
        + describe_config(config)
    )


def add_set_argument(parser: argparse.ArgumentParser, example: str) -> None:
    """``--set KEY=VALUE`` (repeatable) into ``args.overrides``; ``example`` is a KEY=VALUE."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"set one config key, e.g. --set {example} (repeatable; after --config)",
    )


def add_progress_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress output (on a terminal: a bar; otherwise: a plain line every 30 s)",
    )


def add_overwrite_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--overwrite", action="store_true", help=f"replace {what} (refused by default)"
    )


def load_command_config(cls: type[T], args: argparse.Namespace, flags: Sequence[Flag]) -> T:
    """``cls`` from its defaults, ``--config``, ``--set`` and the options given, in that order;
    a required key no source gave is an error naming the option that sets it."""
    from coderl.config import MissingKeyError, Override, load_config

    overrides: list[Override] = [Override.parse(text) for text in args.overrides]
    for flag in flags:
        value = getattr(args, flag.dest)
        if flag.key is not None and value is not None:
            value = tuple(value) if isinstance(value, list) else value
            overrides.append(Override(flag.key, value, f"{flag.option} {_typed(value)}"))
    try:
        return load_config(cls, args.config, overrides)
    except MissingKeyError as err:
        options = [f.option for f in flags if f.key == err.key]
        given = f"give {options[0]}, or " if options else "give "
        raise CoderlError(f"{given}{err.key}: in --config FILE or --set {err.key}=...") from None


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1 (argparse names the option in the error)."""
    return _whole_number(text, minimum=1)


def nonnegative_int(text: str) -> int:
    """An argparse type: a whole number >= 0."""
    return _whole_number(text, minimum=0)


def _whole_number(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{text} is not >= {minimum}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not a finite number > 0")
    return value


def load_problem_list(spec: str, option: str = "--problems") -> list[Problem]:
    """The problems of ``spec``; an empty selection is an error, not an empty report."""
    from coderl.problems import load_problems

    problem_set = load_problems(spec)
    if not problem_set.problems:
        skipped = f", {len(problem_set.skipped)} rows skipped" if problem_set.skipped else ""
        raise CoderlError(
            f"{option} {spec}: selects no problems{skipped}; check the [START:END] range "
            f"and split (coderl problems {spec.split('[')[0]!r} shows what it holds)"
        )
    return list(problem_set.problems)


def warn(message: str) -> None:
    """A one-line warning on stderr: the run goes on, but the user should know."""
    print(f"coderl: warning: {message}", file=sys.stderr)


def _typed(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value) or "none"
    return str(value)
