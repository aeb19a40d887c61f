"""The run report's records: what `collect_run` reads from a run folder and `render_report`
draws. Frozen and plain, so that the page is a function of them alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Series:
    """One metric of one metrics log over steps (``None`` where it was not finite)."""

    run: str  # the run folder's name (several with --compare)
    source: str  # the log's folder inside the run ("sft", "rl"; "" for the run's own)
    key: str  # namespaced metric name, e.g. "train/loss"
    steps: tuple[int, ...]
    values: tuple[float | None, ...]

    @property
    def namespace(self) -> str:
        return self.key.partition("/")[0] if "/" in self.key else "other"


@dataclass(frozen=True)
class StageTime:
    """Seconds one pipeline stage took (the quickstart's ``stages.json``)."""

    name: str
    seconds: float


@dataclass(frozen=True)
class ScoreRow:
    """A difficulty (or ``all``): its problems, samples, metric means and their intervals."""

    group: str
    problems: int
    samples: int
    scores: dict[str, float]
    intervals: dict[str, tuple[float, float]]  # metric -> bootstrap interval; may be empty


@dataclass(frozen=True)
class FailedTest:
    """The first test a program failed: what went in, what was expected, what came out."""

    index: int  # position among the tests it was judged on
    input: str
    expected: str
    actual: str


@dataclass(frozen=True)
class TokenScores:
    """Per-token scores of a program (a critic's), in [0, 1]; the tokens joined are the
    program or completion they score. Samples carry them as the optional field
    ``{"token_scores": {"tokens": [...], "scores": [...]}}``."""

    tokens: tuple[str, ...]
    scores: tuple[float, ...]


@dataclass(frozen=True)
class SampleView:
    """One judged program as the sample browser shows it."""

    policy: str  # the evaluation's label
    problem_id: str
    sample_index: int
    verdict: str
    program: str
    language: str
    failed_test: FailedTest | None = None
    error: dict[str, Any] | None = None  # {"type", "message", "line"}
    token_scores: TokenScores | None = None


@dataclass(frozen=True)
class Evaluation:
    """One report of a run (``report.json`` or ``report-POLICY-MODE.json``) with its samples."""

    label: str  # "grpo-sampled"; "OTHER:grpo-sampled" for a compared run's
    policy: str
    mode: str
    metrics: tuple[str, ...]
    rows: tuple[ScoreRow, ...]  # difficulties, then "all"
    confidence: float
    verdicts: dict[str, int]
    dropped: dict[str, str]
    outcomes: dict[str, tuple[int, int]]  # problem id -> (passed, judged samples)
    difficulties: dict[str, str]  # problem id -> difficulty
    statements: dict[str, str]  # problem id -> statement (where the problems were found)
    samples: tuple[SampleView, ...]
    notes: tuple[str, ...] = ()  # what could not be shown, and why


@dataclass(frozen=True)
class OutcomeChange:
    """A problem solved (some sample passed) under one policy and not under the other."""

    problem_id: str
    difficulty: str
    before: tuple[int, int]  # (passed, judged) under the baseline
    after: tuple[int, int]


@dataclass(frozen=True)
class Comparison:
    """Which problems changed outcome from ``baseline`` to ``candidate``."""

    baseline: str
    candidate: str
    common_problems: int
    changes: tuple[OutcomeChange, ...]

    @property
    def gained(self) -> int:
        return sum(c.after[0] > 0 for c in self.changes)

    @property
    def lost(self) -> int:
        return sum(c.before[0] > 0 for c in self.changes)


@dataclass(frozen=True)
class RunData:
    """Everything the report page shows about a run (and the runs it is compared with)."""

    name: str
    path: str
    configs: tuple[tuple[str, str], ...]  # (file relative to the run, YAML text)
    stages: tuple[StageTime, ...]
    series: tuple[Series, ...]
    evaluations: tuple[Evaluation, ...]
    comparisons: tuple[Comparison, ...]
    compared_runs: tuple[str, ...] = field(default=())
