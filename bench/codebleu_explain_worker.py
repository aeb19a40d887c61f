"""Runs inside the ORACLE venv with coderl's sources on the path (``PYTHONPATH=src:bench``):
for each pair, coderl's syntax and data-flow match on the package's own (older) grammars, and
whether coderl's data-flow edges equal the package's once each edge's parents are compared as
a set. bench/codebleu_agreement.py uses them to explain each pair where coderl and the
package disagree: what differs on the same grammars is the package's parent order (its bug
1), what differs only across grammars is the grammar version.

Reads ``{"lang": ..., "pairs": [[hypothesis, reference], ...]}`` as JSON on stdin; writes
``[{"syntax": s, "dataflow": d, "same_edges": bool}, ...]`` (s, d None when the reference
has no subtree or no data flow).
"""

from __future__ import annotations

import json
import sys

from codebleu.dataflow_match import dfg_function, get_data_flow
from codebleu.parser import remove_comments_and_docstrings
from codebleu.utils import get_tree_sitter_language
from tree_sitter import Parser

from coderl.rewards.dataflow import data_flow, dataflow_counts
from coderl.rewards.syntax import syntax_counts
from coderl.rewards.trees import strip_comments


def _share(counts: tuple[int, int]) -> float | None:
    matched, total = counts
    return matched / total if total else None


def same_edges(code: str, lang: str, parser: Parser) -> bool:
    """The package's data-flow edges equal coderl's, parents compared as sets (the package
    orders them by iterating a set of strings)."""
    try:
        stripped = remove_comments_and_docstrings(code, lang)
    except Exception:  # the package leaves code its stripper rejects as it is
        stripped = code
    theirs = get_data_flow(stripped, [parser, dfg_function[lang]])
    ours = data_flow(strip_comments(code, lang), lang)
    return _edges(theirs) == _edges(ours)


def _edges(dfg: list) -> list:
    return sorted((e[0], e[1], e[2], tuple(sorted(e[3])), tuple(sorted(e[4]))) for e in dfg)


def main() -> None:
    request = json.load(sys.stdin)
    lang = request["lang"]
    parser = Parser()
    parser.language = get_tree_sitter_language(lang)
    answers = [  # stripped, as coderl.rewards.codebleu scores them
        {
            "syntax": _share(syntax_counts(ref, hyp, lang)),
            "dataflow": _share(dataflow_counts(ref, hyp, lang)),
            "same_edges": same_edges(hyp, lang, parser) and same_edges(ref, lang, parser),
        }
        for hyp, ref in ((h.strip(), r.strip()) for h, r in request["pairs"])
    ]
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
