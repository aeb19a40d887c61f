"""The judge's knobs: resource limits per run (`Limits`) and the judge's config (`JudgeConfig`).

Defaults live only here; docs/judge.md explains what each limit defends.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run (one test of a stdio program, or one submission's
    call/assert tests, where ``cpu_time_s`` applies to each test)."""

    cpu_time_s: float = field(default=4.0, metadata={"help": "CPU seconds per test"})
    wall_time_s: float | None = field(
        default=None,
        metadata={"help": "wall-clock backstop per test; None means 3 * cpu_time_s + 1"},
    )
    memory_mb: int = field(default=1024, metadata={"help": "address space (RLIMIT_AS), MiB"})
    file_size_mb: int = field(default=16, metadata={"help": "largest file written, MiB"})
    max_processes: int = field(
        default=16, metadata={"help": "processes and threads of one sandbox (RLIMIT_NPROC)"}
    )
    output_limit_bytes: int = field(
        default=1 << 20, metadata={"help": "stdout kept per run; more is a failed test"}
    )
    total_cpu_time_s: float | None = field(
        default=None,
        metadata={
            "help": "CPU seconds for all tests of one submission together; "
            "None means 15 * cpu_time_s"
        },
    )

    def __post_init__(self) -> None:
        if self.cpu_time_s <= 0:
            raise ValueError(f"cpu_time_s must be > 0, got {self.cpu_time_s}")
        if self.wall_time_s is not None and self.wall_time_s <= 0:
            raise ValueError(f"wall_time_s must be > 0 or None, got {self.wall_time_s}")
        if self.total_cpu_time_s is not None and self.total_cpu_time_s <= 0:
            raise ValueError(f"total_cpu_time_s must be > 0 or None, got {self.total_cpu_time_s}")
        for name in ("memory_mb", "file_size_mb", "max_processes", "output_limit_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    @property
    def wall_s(self) -> float:
        """The wall-clock backstop actually applied (a sleeping program uses no CPU)."""
        return self.wall_time_s if self.wall_time_s is not None else 3 * self.cpu_time_s + 1

    @property
    def total_cpu_s(self) -> float:
        """The CPU budget of one submission's tests together, actually applied."""
        if self.total_cpu_time_s is not None:
            return self.total_cpu_time_s
        return 15 * self.cpu_time_s


@dataclass(frozen=True)
class JudgeConfig:
    """How the judge runs: limits, parallelism, and the output checker's tolerance."""

    limits: Limits = field(default_factory=Limits)
    workers: int = field(
        default_factory=lambda: os.cpu_count() or 1,
        metadata={"help": "warm worker processes (default: one per CPU)"},
    )
    abs_tol: float = field(default=1e-6, metadata={"help": "absolute tolerance for floats"})
    rel_tol: float = field(default=1e-6, metadata={"help": "relative tolerance for floats"})
    apps_compat: bool = field(
        default=False,
        metadata={"help": "APPS's lenient stdout comparison (only to compare with papers)"},
    )
    retries: int = field(
        default=1, metadata={"help": "re-runs of a submission after an infra_error"}
    )
    backend: Literal["local", "ray"] = field(
        default="local",
        metadata={"help": "local: a warm pool here; ray: one such pool per node of a Ray cluster"},
    )
    ray_address: str | None = field(
        default=None,
        metadata={
            "help": "backend ray: the cluster to join (None: the running one, or a new local one)"
        },
    )
    ray_actors: int | None = field(
        default=None,
        metadata={
            "help": "backend ray: judge actors, each with `workers` workers (None: one per node)"
        },
    )

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        if self.retries < 0:
            raise ValueError(f"retries must be >= 0, got {self.retries}")
        if self.ray_actors is not None and self.ray_actors < 1:
            raise ValueError(f"ray_actors must be >= 1 or None, got {self.ray_actors}")
        if self.backend != "ray" and (self.ray_address or self.ray_actors):
            raise ValueError("ray_address and ray_actors need backend: ray")
