"""The judge: runs untrusted programs in isolation and decides verdicts in the parent."""

from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig, Limits
from coderl.execution.types import ErrorInfo, Judgement, Submission, TestOutcome, Verdict

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
