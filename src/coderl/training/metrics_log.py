"""Metrics to JSONL and TensorBoard, keyed by namespaced names (``train/loss``, ``time/...``).

One JSONL record per log step: ``{"step": N, "train/loss": ..., ...}``. On resume from step
N, records and TensorBoard events after N (written by the interrupted run after its last
checkpoint) are dropped, so that every step appears once.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import TracebackType

from coderl.training.configs import LoggingConfig

METRICS_FILE = "metrics.jsonl"
TENSORBOARD_DIR = "tensorboard"


class MetricsLogger:
    """Writes metrics records under ``output_dir``; use as a context manager to close files."""

    def __init__(self, output_dir: str | Path, config: LoggingConfig, resume_step: int = 0):
        self.output_dir = Path(output_dir)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.jsonl_path = self.output_dir / METRICS_FILE if config.jsonl else None
        if self.jsonl_path is not None:
            _truncate_after(self.jsonl_path, resume_step)
        self._writer = None
        if config.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(
                str(self.output_dir / TENSORBOARD_DIR), purge_step=resume_step + 1
            )

    def log(self, step: int, metrics: dict[str, float]) -> None:
        """Write one record; non-finite values are written as null in JSONL."""
        if self.jsonl_path is not None:
            record = {"step": step} | {k: _finite_or_none(v) for k, v in metrics.items()}
            with self.jsonl_path.open("a") as f:
                f.write(json.dumps(record) + "\n")
        if self._writer is not None:
            for key, value in metrics.items():
                self._writer.add_scalar(key, value, step)
            self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> MetricsLogger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_metrics(path: str | Path) -> list[dict[str, float | None]]:
    """The records of a ``metrics.jsonl`` file, in order (for plots and tests)."""
    with Path(path).open() as f:
        return [json.loads(line) for line in f if line.strip()]


def _truncate_after(path: Path, step: int) -> None:
    if not path.exists():
        return
    kept = [r for r in read_metrics(path) if r["step"] <= step]
    path.write_text("".join(json.dumps(r) + "\n" for r in kept))


def _finite_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None
