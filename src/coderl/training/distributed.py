"""Training on several processes (`accelerate launch`, `torchrun`): who does what.

A run started by a launcher (``WORLD_SIZE`` > 1 in the environment) joins its process group
through accelerate; a plain ``python`` run is one process and nothing here changes it.

- SFT is data parallel: each micro-batch of the seeded data stream is split over the ranks,
  the model is accelerate's DDP (or FSDP/DeepSpeed, from accelerate's config) and the loss is
  normalised by the target tokens of the whole micro-batch, so N processes take the same
  steps as one process with the same global batch.
- RL samples and judges on every rank (each rank its contiguous share of the step's
  problems, with the seeds a single process would use), then gathers the judged samples so
  that every rank holds the whole rollout, whole groups included, and runs the learner's
  update on it. The update is replicated, so every learner runs unchanged.
- Rank 0 alone writes the config, metrics, checkpoints and reports; the others wait for it.

docs/scaling.md has the commands and what was tested where.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import torch

from coderl.training.metrics_log import MetricsLogger
from coderl.training.rollout import Rollout, RolloutSample, build_rollout

if TYPE_CHECKING:
    from accelerate import Accelerator

    from coderl.training.collect import CollectStats
    from coderl.training.configs import LoggingConfig

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranks:
    """This process's place: ``rank`` of ``world`` processes."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        """Whether this process writes the run's files."""
        return self.rank == 0

    def share(self, items: Sequence[T]) -> tuple[int, list[T]]:
        """(offset, items) of this rank's contiguous share; the first ``len % world`` ranks
        take one more. Contiguous shares keep the samplers' batches those of one process."""
        size, extra = divmod(len(items), self.world)
        start = self.rank * size + min(self.rank, extra)
        end = start + size + (self.rank < extra)
        return start, list(items[start:end])


def launched() -> bool:
    """Whether a launcher started this process as one of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def main_process() -> bool:
    """Whether this process writes the run's own files (rank 0, or the only process); read
    from the launcher's environment, so it holds before the process group exists."""
    return int(os.environ.get("RANK", "0")) == 0


def accelerator(device: str) -> Accelerator | None:
    """The run's `Accelerator` under a launcher (on the CPU, with gloo, for ``device: cpu``
    or without CUDA); None for a single process, whose path stays as it is."""
    if not launched():
        return None
    from accelerate import Accelerator

    return Accelerator(cpu=_on_cpu(device))


def ranks(device: str = "auto") -> Ranks:
    """This process's ranks (the first call under a launcher joins the process group: on
    the CPU, with gloo, for ``device: cpu`` or without CUDA)."""
    if not launched():
        return Ranks()
    from accelerate import PartialState

    first = not torch.distributed.is_initialized()
    state = PartialState(cpu=_on_cpu(device))
    if first and state.is_main_process:
        log.info("distributed: %d processes (%s)", state.num_processes, state.distributed_type)
    return Ranks(state.process_index, state.num_processes)


def _on_cpu(device: str) -> bool:
    return device == "cpu" or not torch.cuda.is_available()


def barrier() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def gather_objects(value: T) -> list[T]:
    """Every rank's ``value``, in rank order (on every rank)."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return [value]
    values: list[Any] = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(values, value)
    return values


def sum_over_ranks(value: float) -> float:
    """``value`` summed over all ranks (every rank gets the sum)."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return value
    total = torch.tensor([value], dtype=torch.float64)
    torch.distributed.all_reduce(total)
    return float(total.item())


def gather_rollout(
    rollout: Rollout | None, group_offset: int, pad_id: int, left_pad_prompts: bool
) -> Rollout | None:
    """The whole step's rollout from every rank's share (group ids offset by each share's
    first problem), padded once, as one process would have built it."""
    mine = unpad(rollout, group_offset) if rollout is not None else []
    samples = [sample for part in gather_objects(mine) for sample in part]
    return build_rollout(samples, pad_id, left_pad_prompts) if samples else None


def unpad(rollout: Rollout, group_offset: int = 0) -> list[RolloutSample]:
    """The samples of a rollout as `build_rollout` got them (group ids + ``group_offset``)."""
    samples = []
    for i in range(len(rollout)):
        prompt = rollout.prompt_ids[i][rollout.prompt_mask[i] > 0]
        length = int(rollout.completion_mask[i].sum())
        baseline = None if rollout.baselines is None else float(rollout.baselines[i])
        samples.append(
            RolloutSample(
                prompt_token_ids=tuple(prompt.tolist()),
                token_ids=tuple(rollout.completion_ids[i, :length].tolist()),
                logprobs=tuple(rollout.behaviour_logprobs[i, :length].tolist()),
                finished=bool(rollout.finished[i]),
                reward=float(rollout.rewards[i]),
                group_id=int(rollout.group_ids[i]) + group_offset,
                verdict=rollout.verdicts[i],
                problem_id=rollout.problem_ids[i],
                baseline=baseline,
            )
        )
    return samples


def gather_stats(stats: CollectStats) -> CollectStats:
    """The step's collection counts over all ranks."""
    from coderl.training.collect import CollectStats

    parts = gather_objects(stats)
    verdicts: Counter[str] = Counter()
    for part in parts:
        verdicts.update(part.verdicts)
    return CollectStats(
        sampled=sum(p.sampled for p in parts),
        dropped=sum(p.dropped for p in parts),
        verdicts=dict(verdicts),
        passed=sum(p.passed for p in parts),
        tokens=sum(p.tokens for p in parts),
        truncated=sum(p.truncated for p in parts),
    )


def local_device(device: torch.device) -> torch.device:
    """Under a launcher, a CUDA run's rank uses its own GPU (``LOCAL_RANK``)."""
    if device.type == "cuda" and launched():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return device


class _NoLogger:
    """Metrics of ranks other than 0: computed, not written."""

    def log(self, step: int, metrics: dict[str, float]) -> None:
        pass

    def __enter__(self) -> _NoLogger:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def main_logger(
    ranks: Ranks, output_dir: str | Path, config: LoggingConfig, resume_step: int
) -> MetricsLogger | _NoLogger:
    """Rank 0's `MetricsLogger`; the other ranks write nothing."""
    if not ranks.main:
        return _NoLogger()
    return MetricsLogger(output_dir, config, resume_step=resume_step)
