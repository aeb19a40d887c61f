"""`coderl generate`: sample programs from a model for a benchmark, into a samples JSONL."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

DESCRIPTION = """Sample programs from a model for a benchmark.

Appends one JSON line per sample to --out: {"problem_id", "sample_index", "completion",
"program", "finished", "num_tokens", "text"?}. Run it again to resume: problems with all
their samples in the file are skipped. The settings are saved next to the file
(OUT.config.yaml); resuming with other sampling settings is refused.
"""

# Settings that change what a sample index holds; resuming must not mix them.
RESUME_KEYS = (
    "model",
    "prompt_style",
    "temperature",
    "top_p",
    "top_k",
    "max_new_tokens",
    "stop",
    "greedy",
    "seed",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="built-in name, folder, .gguf or hub id")
    parser.add_argument("--problems", required=True, help="problem spec, e.g. humaneval[0:20]")
    parser.add_argument("--out", required=True, help="samples JSONL to append to")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_model_arguments(parser)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Prompt, device and sampling options (shared with `coderl evaluate --model`)."""
    from coderl.problems.prompts import PROMPT_STYLES

    parser.add_argument(
        "--prompt-style",
        choices=(*PROMPT_STYLES, "chat"),
        default=None,
        help="prompt format (default: each benchmark's own; chat: the model's chat template)",
    )
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--dtype", default="auto", help="auto, float32, bfloat16 or float16")
    _add_sampling_arguments(parser)


def _add_sampling_arguments(parser: argparse.ArgumentParser) -> None:
    """One option per SamplingConfig field; defaults and help come from the dataclass."""
    from coderl.generation.config import SamplingConfig

    for f in dataclasses.fields(SamplingConfig):
        option = "--" + f.name.replace("_", "-")
        help_text = f.metadata.get("help", "")
        if f.name == "stop":
            parser.add_argument(
                option,
                action="append",
                default=None,
                help=f"{help_text} (repeatable; default: Codex's stops for "
                "humaneval-style prompts, none otherwise)",
            )
        elif f.type in ("bool", bool):
            parser.add_argument(option, action="store_true", default=None, help=help_text)
        else:
            kind = {"int": int, "float": float}[str(f.type)]
            parser.add_argument(option, type=kind, default=None, help=f"{help_text} ({f.default})")


def run(args: argparse.Namespace) -> int:
    from coderl.problems.loaders import load_problems

    generate_from_args(args, list(load_problems(args.problems)), Path(args.out))
    return 0


def generate_from_args(args: argparse.Namespace, problems: list, out: Path) -> None:
    """Sample ``problems`` into ``out`` as the options say (resuming a partial file)."""
    from coderl.generation.config import SamplingConfig
    from coderl.generation.runner import default_stops, generate_samples
    from coderl.models import load_policy

    given = {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(SamplingConfig)
        if getattr(args, f.name) is not None
    }
    given["stop"] = tuple(given.get("stop", default_stops(problems, args.prompt_style)))
    config = SamplingConfig(**given)
    settings = {
        "model": args.model,
        "problems": args.problems,
        "prompt_style": args.prompt_style,
        "device": args.device,
        "dtype": args.dtype,
        **dataclasses.asdict(config),
    }
    _check_resume(out, settings)
    policy = load_policy(args.model, device=args.device, dtype=args.dtype)
    _save_settings(out, settings)
    summary = generate_samples(
        policy,
        problems,
        out,
        config,
        prompt_style=args.prompt_style,
        progress=not args.no_progress,
    )
    print(
        f"{summary.path}: wrote {summary.written} samples for {summary.problems} problems "
        f"({summary.skipped} already complete)"
    )


def _settings_path(out: Path) -> Path:
    return out.with_name(out.name + ".config.yaml")


def _check_resume(out: Path, settings: dict[str, Any]) -> None:
    import yaml

    from coderl.errors import CoderlError

    saved_path = _settings_path(out)
    if not (out.exists() and saved_path.exists()):
        return
    saved = yaml.safe_load(saved_path.read_text()) or {}
    for key in RESUME_KEYS:
        new = list(settings[key]) if key == "stop" else settings[key]
        if saved.get(key) != new:
            raise CoderlError(
                f"{out} was written with {key} = {saved.get(key)!r}, not {new!r} "
                f"(see {saved_path}); use the same settings to resume, or another --out"
            )


def _save_settings(out: Path, settings: dict[str, Any]) -> None:
    import yaml

    out.parent.mkdir(parents=True, exist_ok=True)
    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
    _settings_path(out).write_text(yaml.safe_dump(plain, sort_keys=False))
