"""The judge: runs untrusted programs in isolation and decides verdicts in the parent."""

from coderl.execution.types import ErrorInfo, Judgement, Submission, TestOutcome, Verdict

__all__ = ["ErrorInfo", "Judgement", "Submission", "TestOutcome", "Verdict"]
