"""Named stages over one run folder, with per-stage timing and resume.

A recipe is an ordered list of `Stage`s. Each stage reads and writes files under the run
folder and names the outputs it leaves there. ``stages.json`` records, per finished stage,
its seconds and the config it ran with (its own config section, named like the stage, plus
the recipe's top-level scalars). On a re-run in the same folder a stage is skipped when its
record matches the current config and its outputs exist; otherwise it runs, and so does every
stage after it (their inputs changed). A stage that had finished under another config, or
whose upstream re-ran, has its old outputs removed first; a stage that was interrupted (no
record) finds its partial outputs in place, so that it may resume (SFT continues from its
last checkpoint).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from coderl.config import config_to_dict

C = TypeVar("C")

RECORDS_FILE = "stages.json"


@dataclass(frozen=True)
class RunContext(Generic[C]):
    """What a stage gets: the resolved config, the run folder, and whether to show progress."""

    config: C
    folder: Path
    progress: bool = True


@dataclass(frozen=True)
class Stage(Generic[C]):
    """One step of a recipe; ``name`` is also the key of its config section (if it has one)."""

    name: str
    run: Callable[[RunContext[C]], None]
    # paths relative to the run folder that the stage writes (or a function of the config)
    outputs: tuple[str, ...] | Callable[[C], tuple[str, ...]]
    # whether the config turns the stage on; an off stage neither runs nor counts in the times
    enabled: Callable[[C], bool] = lambda config: True

    def paths(self, config: C) -> tuple[str, ...]:
        return self.outputs(config) if callable(self.outputs) else self.outputs


@dataclass(frozen=True)
class StageTime:
    """How long a stage took; ``skipped``: it had finished in an earlier run of the folder."""

    name: str
    seconds: float
    skipped: bool


def run_pipeline(
    stages: Sequence[Stage[C]],
    context: RunContext[C],
    announce: Callable[[str], None] = print,
) -> tuple[StageTime, ...]:
    """Run (or skip) each stage in order; returns the time of every stage."""
    names = [stage.name for stage in stages]
    if len(set(names)) != len(names):
        raise ValueError(f"stage names must be unique, got {names}")
    folder = context.folder
    folder.mkdir(parents=True, exist_ok=True)
    records = read_records(folder)
    upstream_ran = False
    times = []
    for number, stage in enumerate(stages, start=1):
        label = f"[{number}/{len(stages)}] {stage.name}"
        if not stage.enabled(context.config):
            announce(f"{label}: off")
            continue
        fingerprint = stage_fingerprint(context.config, stage.name)
        record = records.get(stage.name)
        fresh = record is not None and record["config"] == fingerprint
        if fresh and not upstream_ran and _outputs_exist(folder, stage.paths(context.config)):
            announce(f"{label}: finished in an earlier run ({record['seconds']:.1f}s), skipped")
            times.append(StageTime(stage.name, record["seconds"], skipped=True))
            continue
        if record is not None or upstream_ran:
            _remove_outputs(folder, stage.paths(context.config))
        records.pop(stage.name, None)
        _write_records(folder, records)
        upstream_ran = True
        announce(label)
        start = time.perf_counter()
        stage.run(context)
        seconds = time.perf_counter() - start
        missing = [p for p in stage.paths(context.config) if not (folder / p).exists()]
        if missing:
            raise RuntimeError(f"stage {stage.name!r} finished without writing {missing}")
        records[stage.name] = {"seconds": seconds, "config": fingerprint}
        _write_records(folder, records)
        announce(f"{label}: done in {seconds:.1f}s")
        times.append(StageTime(stage.name, seconds, skipped=False))
    return tuple(times)


def stage_fingerprint(config: Any, name: str) -> dict[str, Any]:
    """The part of ``config`` a stage depends on: its own section and the top-level scalars."""
    data = config_to_dict(config)
    shared = {key: value for key, value in data.items() if not isinstance(value, dict)}
    # Round-trip through JSON so that tuples compare equal to the lists read back from disk.
    return json.loads(json.dumps({"section": data.get(name), "shared": shared}))


def read_records(folder: Path) -> dict[str, dict[str, Any]]:
    """The finished stages of a run folder (empty for a new folder)."""
    path = folder / RECORDS_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def _write_records(folder: Path, records: dict[str, dict[str, Any]]) -> None:
    tmp = folder / f".{RECORDS_FILE}.tmp"
    tmp.write_text(json.dumps(records, indent=1) + "\n")
    os.replace(tmp, folder / RECORDS_FILE)


def _outputs_exist(folder: Path, outputs: tuple[str, ...]) -> bool:
    return all((folder / path).exists() for path in outputs)


def _remove_outputs(folder: Path, outputs: tuple[str, ...]) -> None:
    for relative in outputs:
        path = folder / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
