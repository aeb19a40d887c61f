"""`coderl models`: list the built-in model names, export a model to a float folder, write a
tiny random model for smoke tests."""

from __future__ import annotations

import argparse

DESCRIPTION = """Model utilities.

  coderl models list                         built-in names and the files they resolve to
  coderl models export NAME_OR_GGUF OUT_DIR  write a float save_pretrained folder
                                             (model + tokenizer) that plain transformers loads
  coderl models tiny OUT_DIR [--seq2seq]     a tiny randomly initialised model and a tokenizer
                                             trained here (smoke tests: configs/sft_tiny.yaml)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="built-in model names and where they resolve")
    export = actions.add_parser("export", help="write a model as a float save_pretrained folder")
    export.add_argument("model", help="built-in name, .gguf file, folder or hub id")
    export.add_argument("out_dir", help="folder to write (created if missing)")
    export.add_argument(
        "--dtype", choices=("float32", "bfloat16"), default="float32", help="weight dtype"
    )
    tiny = actions.add_parser("tiny", help="write a tiny random model (smoke tests)")
    tiny.add_argument("out_dir", help="folder to write (created if missing)")
    tiny.add_argument("--seq2seq", action="store_true", help="T5-like instead of Llama-like")
    tiny.add_argument("--seed", type=int, default=0, help="initialisation seed")


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list()
    if args.action == "tiny":
        return _tiny(args.out_dir, args.seq2seq, args.seed)
    from coderl.models import export_policy

    out = export_policy(args.model, args.out_dir, dtype=args.dtype)
    print(f"wrote {out} ({args.dtype}); load it with load_policy({str(out)!r})")
    return 0


def _tiny(out_dir: str, seq2seq: bool, seed: int) -> int:
    from coderl.models import build_tiny_causal, build_tiny_seq2seq

    policy = (build_tiny_seq2seq if seq2seq else build_tiny_causal)(seed=seed)
    policy.model.save_pretrained(out_dir)
    policy.tokenizer.save_pretrained(out_dir)
    params = sum(p.numel() for p in policy.model.parameters())
    print(f"wrote {out_dir} ({type(policy.model).__name__}, {params:,} parameters)")
    return 0


def _list() -> int:
    from coderl.models.registry import BUILTIN_MODELS

    for name, model in sorted(BUILTIN_MODELS.items()):
        path = model.locate()
        where = str(path) if path else f"not installed (pip install {model.package})"
        print(f"{name}\t{model.description}\n\t{where}")
    return 0
