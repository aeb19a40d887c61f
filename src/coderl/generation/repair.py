"""The repair prompt style (version 1): what a repair model reads, in training and at inference.

A repair model sees the problem as the policy saw it, then the failed program and the judge's
error, and writes the fixed program::

    {the problem's prompt, from build_prompt}
    ### Failed program:
    {the failed completion}
    ### Error: {type}: {message} (line {line})
    ### Fixed program:

``type`` is the exception's type when the program raised one (``NameError``, ``SyntaxError``),
otherwise the verdict (``wrong_answer``, ``timeout``); ``message`` is the exception's message,
or the first failed test's detail (``returned -8``); `` (line N)`` appears only when the judge
knows the line. The fixed program is a completion of the same problem (what the policy would
have written after its prompt). This format is stable: a repair checkpoint trained on it keeps
working; a change is a new version with its own name.
"""

from __future__ import annotations

from dataclasses import dataclass

from coderl.execution.types import Judgement, Verdict
from coderl.problems.prompts import build_prompt
from coderl.problems.types import Problem

REPAIR_PROMPT_VERSION = 1
MAX_MESSAGE_CHARS = 300  # an error message longer than this is cut (tracebacks of deep loops)


@dataclass(frozen=True)
class RepairError:
    """What the repair model is told about a failure."""

    type: str
    message: str = ""
    line: int | None = None

    @classmethod
    def from_judgement(cls, judgement: Judgement) -> RepairError:
        """The exception when there was one, else the verdict and the first failed test's
        detail."""
        if judgement.error is not None:
            error = judgement.error
            return cls(error.type, error.message, error.line)
        failed = [t for t in judgement.tests if t.verdict is not Verdict.PASSED]
        return cls(judgement.verdict.value, failed[0].detail if failed else "")

    @classmethod
    def from_record(cls, verdict: str, error: dict | None) -> RepairError:
        """From a critic-data record's ``verdict`` and ``error`` (type/message/line or null)."""
        if error:
            message = str(error.get("message", ""))
            return cls(str(error.get("type", verdict)), message, error.get("line"))
        return cls(verdict)


def repair_prompt(
    problem: Problem, completion: str, error: RepairError, style: str | None = None
) -> str:
    """The version-1 repair prompt for ``completion`` of ``problem`` that failed with
    ``error``."""
    message = error.message.strip()
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + "..."
    line = f" (line {error.line})" if error.line is not None else ""
    program = completion if completion.endswith("\n") else completion + "\n"
    return (
        f"{build_prompt(problem, style)}"
        f"### Failed program:\n{program}"
        f"### Error: {error.type}: {message}{line}\n"
        "### Fixed program:\n"
    )
