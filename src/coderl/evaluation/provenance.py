"""Where a result came from: recorded in every judgements file's header and every report, so
that a number can be traced to its problems, samples, model, judge limits and coderl version.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from typing import Any


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _version() -> str:
    from coderl import __version__

    return __version__


@dataclass(frozen=True)
class Provenance:
    """The inputs and settings of a run (``None``: not part of this run)."""

    problems: str | None = None  # the problem spec, e.g. humaneval[0:20]
    samples: str | None = None  # the samples file judged
    judgements: str | None = None  # the judgements file a report was rebuilt from
    model: str | None = None  # the model that generated the samples, when coderl did
    tests: str | None = None  # hidden, example or all
    judge: dict[str, Any] | None = None  # the JudgeConfig (limits, workers, checker)
    sampling: dict[str, Any] | None = None  # the SamplingConfig, when coderl generated
    coderl_version: str = field(default_factory=_version)
    created: str = field(default_factory=_now)  # UTC, ISO 8601

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Provenance:
        """Read back a recorded block; unknown keys (from a newer coderl) are ignored."""
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def markdown(self) -> str:
        """The block as markdown lines (a bullet per recorded item)."""
        lines = []
        for name, value in self.to_dict().items():
            if value is None:
                continue
            if isinstance(value, dict):
                value = ", ".join(f"{k}={_flat(v)}" for k, v in value.items())
            lines.append(f"- {name.replace('_', ' ')}: `{value}`")
        return "\n".join(lines)


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_flat(v)}" for k, v in value.items()) + "}"
    return str(value)
