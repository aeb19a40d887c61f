"""Checkpoints: ``step_N/`` = a Hugging Face ``save_pretrained`` folder (model + tokenizer,
safetensors; plain ``from_pretrained`` loads it) plus ``coderl_state/`` for exact resume.

    step_N/
      config.json, model.safetensors, tokenizer files      (save_pretrained)
      coderl_state/
        trainer_state.json   the learner's state record (SFT: step, micro_step, epoch, losses;
                             RL: step, the learner's own state such as a KL controller's beta)
        optimizer.pt         the policy's optimizer state_dict
        optimizer-NAME.pt    any other named optimizer (a value head's, a critic's)
        module-NAME.pt       any other named module's state_dict (a value head)
        rng.pt               python, torch CPU and CUDA generator states
        config.yaml          the resolved config of the run

Every learner saves through `save_checkpoint` and resumes through `load_train_state`: the
policy as a plain ``save_pretrained`` folder, the rest under ``coderl_state/`` by name.

A checkpoint is written to a hidden temporary folder and renamed into place, so a crash
while saving never leaves a ``step_N/`` that `latest_checkpoint` would pick up half-written.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

import torch

from coderl.config import save_config

STATE_DIR = "coderl_state"
_STEP_DIR = re.compile(r"^step_(\d+)$")
StateT = TypeVar("StateT")


@dataclass(frozen=True)
class TrainState:
    """Where a run stands: ``step`` optimizer steps done, ``micro_step`` micro-batches of the
    data stream consumed (the data-order position), in ``epoch``; one loss per step so far."""

    step: int = 0
    micro_step: int = 0
    epoch: int = 0
    loss_history: tuple[float, ...] = ()


def save_checkpoint(
    output_dir: str | Path,
    state: Any,
    model: Any,
    tokenizer: Any,
    optimizer: torch.optim.Optimizer,
    config: Any,
    keep_last: int | None = None,
    *,
    modules: Mapping[str, torch.nn.Module] | None = None,
    optimizers: Mapping[str, torch.optim.Optimizer] | None = None,
) -> Path:
    """Write ``output_dir/step_{state.step}`` and prune to the newest ``keep_last``.

    ``state`` is the learner's frozen state dataclass (it has a ``step``); ``modules`` and
    ``optimizers`` are the learner's other named parts, restored by `load_train_state`.
    Under a launcher, rank 0 alone writes and every rank returns once it is written.
    """
    from coderl.training import distributed

    output_dir = Path(output_dir)
    final = output_dir / f"step_{state.step}"
    if not distributed.ranks().main:
        distributed.barrier()
        return final
    tmp = output_dir / f".step_{state.step}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    state_dir = tmp / STATE_DIR
    state_dir.mkdir()
    (state_dir / "trainer_state.json").write_text(json.dumps(asdict(state), indent=1))
    torch.save(optimizer.state_dict(), state_dir / "optimizer.pt")
    for name, extra in (optimizers or {}).items():
        torch.save(extra.state_dict(), state_dir / f"optimizer-{name}.pt")
    for name, module in (modules or {}).items():
        torch.save(module.state_dict(), state_dir / f"module-{name}.pt")
    torch.save(_rng_state(), state_dir / "rng.pt")
    save_config(config, state_dir / "config.yaml")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    if keep_last is not None:
        for old in list_checkpoints(output_dir)[:-keep_last]:
            shutil.rmtree(old)
    distributed.barrier()
    return final


def list_checkpoints(output_dir: str | Path) -> list[Path]:
    """Complete ``step_N`` folders under ``output_dir``, oldest first."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        return []
    found = []
    for path in output_dir.iterdir():
        match = _STEP_DIR.match(path.name)
        if match and (path / STATE_DIR / "trainer_state.json").is_file():
            found.append((int(match.group(1)), path))
    return [path for _, path in sorted(found)]


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The newest complete checkpoint under ``output_dir``, or None."""
    checkpoints = list_checkpoints(output_dir)
    return checkpoints[-1] if checkpoints else None


def starting_checkpoint(config: Any, resume: bool, invariants: tuple[str, ...]) -> Path | None:
    """The checkpoint a run of ``config`` resumes from (None for a fresh run), refusing to mix
    runs: a fresh run into a folder with checkpoints, or a resume that changes ``invariants``
    (the fields that fix the data stream and the update rule)."""
    from coderl.config import config_to_dict, load_config
    from coderl.errors import ConfigError

    latest = latest_checkpoint(config.output_dir)
    if not resume:
        if latest is not None:
            raise ConfigError(
                f"{config.output_dir} already holds checkpoints (latest {latest.name}); "
                "pass --resume to continue that run, or choose another output_dir"
            )
        return None
    if latest is None:
        raise ConfigError(
            f"--resume: no checkpoint under {config.output_dir}; run without --resume to start"
        )
    saved_path = latest / STATE_DIR / "config.yaml"
    saved = config_to_dict(load_config(type(config), saved_path))
    now = config_to_dict(config)
    # an invariant a config type lacks (PPO has no ``algorithm``) is not compared
    changed = [key for key in invariants if saved.get(key) != now.get(key)]
    if changed:
        raise ConfigError(
            f"--resume: {', '.join(changed)} differ from {saved_path}; a resumed run must keep "
            "the data, seed and update settings (restore them, or start a new output_dir)"
        )
    return latest


def load_train_state(
    checkpoint: str | Path,
    optimizer: torch.optim.Optimizer | None = None,
    state_type: type[StateT] = TrainState,
    *,
    modules: Mapping[str, torch.nn.Module] | None = None,
    optimizers: Mapping[str, torch.optim.Optimizer] | None = None,
) -> StateT:
    """Restore the optimizers and modules given, and every RNG, from ``checkpoint``; return
    its state as ``state_type`` (list fields come back as tuples).

    Call it after the model is built and loaded, since building a model draws random numbers.
    """
    state_dir = Path(checkpoint) / STATE_DIR
    data = json.loads((state_dir / "trainer_state.json").read_text())
    if optimizer is not None:
        optimizer.load_state_dict(torch.load(state_dir / "optimizer.pt", weights_only=True))
    for name, extra in (optimizers or {}).items():
        extra.load_state_dict(torch.load(state_dir / f"optimizer-{name}.pt", weights_only=True))
    for name, module in (modules or {}).items():
        module.load_state_dict(torch.load(state_dir / f"module-{name}.pt", weights_only=True))
    _set_rng_state(torch.load(state_dir / "rng.pt", weights_only=True))
    known = {f.name for f in fields(state_type)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
    return state_type(**values)


def _rng_state() -> dict[str, Any]:
    state: dict[str, Any] = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
