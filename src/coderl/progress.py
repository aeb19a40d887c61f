"""Progress output that suits where it goes: a live bar on a terminal, plain lines in a log.

A tqdm bar redraws itself with carriage returns, which turn a log file or a CI console into
one unreadable line. When stderr is not a terminal, `progress_bar` prints a whole line instead,
at the start, every ``PLAIN_INTERVAL_S`` seconds and at the end; on a terminal it is tqdm's.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm
from tqdm.auto import tqdm as terminal_tqdm

PLAIN_INTERVAL_S = 30.0
PLAIN_FORMAT = "{desc}: {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"


class PlainLines(tqdm):
    """tqdm that writes each refresh as its own line (no carriage returns, no cursor moves)."""

    def display(self, msg: str | None = None, pos: int | None = None) -> bool:
        text = (self.__str__() if msg is None else msg).strip()
        if text:
            self.fp.write(text + "\n")
            self.fp.flush()
        return True

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None:
        """Shown with the next periodic line (a refresh per call would print a line each)."""
        super().set_postfix(ordered_dict, refresh=False, **kwargs)


class _WholeLines:
    """A stream that passes only whole lines (tqdm's bare "\\n"/"\\r" on close are dropped)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        if text.strip():
            self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(*args: Any, enabled: bool = True, **kwargs: Any) -> tqdm:
    """A tqdm bar (same arguments) for stderr, or plain lines when stderr is not a terminal;
    nothing when ``enabled`` is false."""
    kwargs.setdefault("disable", not enabled)
    stream = kwargs.get("file") or sys.stderr
    if _is_terminal(stream):
        return terminal_tqdm(*args, **kwargs)
    kwargs.setdefault("mininterval", PLAIN_INTERVAL_S)
    kwargs.setdefault("maxinterval", PLAIN_INTERVAL_S)
    kwargs.setdefault("bar_format", PLAIN_FORMAT)
    kwargs["file"] = _WholeLines(stream)
    return PlainLines(*args, **kwargs)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
