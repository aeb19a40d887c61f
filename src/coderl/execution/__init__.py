"""The judge: runs untrusted programs in isolation and decides verdicts in the parent.

Exports resolve lazily (PEP 562) so that the zygote, which imports only the harness and the
isolation layers, does not load the judge's own modules: every module a zygote holds makes
each of its forks slower (docs/judge.md, "Speed").
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from coderl.execution.judge import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.execution.types import ErrorInfo, Judgement, Submission, TestOutcome, Verdict

_EXPORTS = {
    "Judge": "coderl.execution.judge",
    "JudgeConfig": "coderl.execution.limits",
    "Limits": "coderl.execution.limits",
    "ErrorInfo": "coderl.execution.types",
    "Judgement": "coderl.execution.types",
    "Submission": "coderl.execution.types",
    "TestOutcome": "coderl.execution.types",
    "Verdict": "coderl.execution.types",
}
__all__ = [
    "ErrorInfo",
    "Judge",
    "JudgeConfig",
    "Judgement",
    "Limits",
    "Submission",
    "TestOutcome",
    "Verdict",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
