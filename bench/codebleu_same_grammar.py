"""coderl's syntax subtrees and data-flow edges against the ``codebleu`` package's, both on
the package's pinned (older) grammars: run with the ORACLE venv's python, coderl's source on
the path. Where the two agree here, any score difference in bench/codebleu_agreement.py comes
from the grammar versions (syntax) or from the order the package gives each edge's parents
(data flow: it iterates sets of strings, so that order changes with PYTHONHASHSEED).

    PYTHONPATH=src:bench /work/oracle-venv/bin/python bench/codebleu_same_grammar.py \\
        --data ../shared/data --pairs 200
"""

from __future__ import annotations

import argparse
from pathlib import Path

from codebleu.dataflow_match import dfg_function, get_data_flow
from codebleu.parser import remove_comments_and_docstrings
from codebleu.syntax_match import corpus_syntax_match
from codebleu.utils import get_tree_sitter_language
from tree_sitter import Parser

from codebleu_agreement import mbpp_corpus, xlcost_corpora
from coderl.rewards.dataflow import data_flow
from coderl.rewards.syntax import syntax_counts
from coderl.rewards.trees import strip_comments


def _edges(dfg: list) -> list:
    """Edges with each parent list as a sorted tuple (the package's order is arbitrary)."""
    return sorted((e[0], e[1], e[2], tuple(sorted(e[3])), tuple(sorted(e[4]))) for e in dfg)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--pairs", type=int, default=200)
    args = parser.parse_args()
    corpora = xlcost_corpora(args.data, args.pairs)
    corpora["mbpp-edits"] = mbpp_corpus(args.data, args.pairs, 0)
    print("| corpus | pairs with the same syntax match | programs with the same data-flow edges |")
    print("|---|---|---|")
    for name, (lang, pairs) in corpora.items():
        theirs = Parser()
        theirs.language = get_tree_sitter_language(lang)
        same_syntax = 0
        for hyp, ref in pairs:
            matched, total = syntax_counts(ref, hyp, lang)
            same_syntax += abs(matched / total - corpus_syntax_match([[ref]], [hyp], lang)) < 1e-12
        programs = list(dict.fromkeys(code for pair in pairs for code in pair))
        same_flow = 0
        for code in programs:
            try:
                stripped = remove_comments_and_docstrings(code, lang)
            except Exception:  # the package leaves code its stripper rejects as it is
                stripped = code
            their_flow = get_data_flow(stripped, [theirs, dfg_function[lang]])
            same_flow += _edges(their_flow) == _edges(data_flow(strip_comments(code, lang), lang))
        print(f"| {name} ({lang}) | {same_syntax}/{len(pairs)} | {same_flow}/{len(programs)} |")


if __name__ == "__main__":
    main()
