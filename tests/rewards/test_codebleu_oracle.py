"""coderl's CodeBLEU against the ``codebleu==0.7.0`` package's scores on hand-written pairs
(tests/fixtures/codebleu_oracle.json, written by bench/make_codebleu_fixture.py from the
package in its own venv, under several PYTHONHASHSEEDs), and each documented difference that
bench/codebleu_agreement.py sorts disagreeing pairs into: the package's two bugs
(``parent_order``, ``dataflow_or_1``) and the grammar versions (``grammar``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("tree_sitter")

from coderl.rewards import codebleu
from coderl.rewards.syntax import syntax_counts
from coderl.rewards.trees import parse, strip_comments

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codebleu_oracle.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))["cases"]
NGRAM_KEYS = ("ngram_match_score", "weighted_ngram_match_score")


def _ours(case: dict) -> dict[str, float]:
    if case["name"] == "corpus":
        return codebleu(case["hypotheses"], case["references"], case["lang"])
    return codebleu([case["hypothesis"]], [case["reference"]], case["lang"])


def _case(lang: str, name: str) -> dict:
    return next(c for c in CASES if c["lang"] == lang and c["name"] == name)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['lang']}-{c['name']}" for c in CASES])
def test_components_agree_with_the_package(case: dict) -> None:
    ours = _ours(case)
    oracle = case["oracle"]
    for key in NGRAM_KEYS:
        assert ours[key] == pytest.approx(oracle[0][key], abs=1e-6), key
    # the syntax match may differ a little where newer grammars parse differently
    assert ours["syntax_match_score"] == pytest.approx(oracle[0]["syntax_match_score"], abs=0.05)
    # the package's data-flow score moves with the hash seed; ours lies within its range
    flows = [run["dataflow_match_score"] for run in oracle]
    assert min(flows) - 0.01 <= ours["dataflow_match_score"] <= max(flows) + 0.01


def test_package_bug_dataflow_depends_on_the_hash_seed() -> None:
    """The package lists a variable's parents from a set of strings, so the canonical
    renaming, and the score of a program with renamed variables, depend on PYTHONHASHSEED.
    Renaming never changes coderl's data-flow match. (The ``parent_order`` class of
    bench/codebleu_agreement.py.)"""
    case = _case("python", "renamed")
    flows = {run["dataflow_match_score"] for run in case["oracle"]}
    assert len(flows) > 1 and min(flows) < 1.0
    assert _ours(case)["dataflow_match_score"] == 1.0


def test_package_bug_no_dataflow_match_counts_as_full() -> None:
    """``dataflow or 1``: the package sums a data-flow match of 0 as 1, so a program sharing
    no data flow with its reference gains 0.25 CodeBLEU; coderl sums it as 0. (The
    ``dataflow_or_1`` class of bench/codebleu_agreement.py.)"""
    case = _case("python", "no_dataflow_match")
    oracle, ours = case["oracle"][0], _ours(case)
    assert oracle["dataflow_match_score"] == ours["dataflow_match_score"] == 0
    partial = sum(0.25 * ours[k] for k in (*NGRAM_KEYS, "syntax_match_score"))
    assert ours["codebleu"] == pytest.approx(partial)
    assert oracle["codebleu"] == pytest.approx(partial + 0.25)


# The package's scores below come from its own venv (/work/oracle-venv: codebleu==0.7.0,
# tree-sitter 0.22.3, tree-sitter-python 0.21.0), by piping the pairs as
# {"lang": "python", "pairs": [[hypothesis, reference]]} to bench/codebleu_oracle_worker.py.
TABS_REF = (
    "def find_lists(Input): \n\tif isinstance(Input, list): \n\t\treturn 1\n\telse: \n"
    "\t\treturn len(Input)"
)
TABS_HYP = (
    "def find_lists(Input): \n\tif isinstance(Input, list): \n\t\treturn 1\n\t\treturn len(Input)"
)
PACKAGE_SYNTAX = {"tabs": 0.6, "spaces": 0.5}


def test_grammar_versions_recover_differently_from_syntax_errors() -> None:
    """The package and coderl remove comments alike, and for this reference both turn the
    last line's two tabs into two spaces: it no longer parses. The package's old grammar
    recovers from that error with 15 subtrees (9 in the candidate: 0.6), the current one with
    14 (11 in the candidate). With spaces the code parses, and the scores are equal. This is
    the ``grammar`` class of bench/codebleu_agreement.py (MBPP edits pair 142)."""
    assert parse(strip_comments(TABS_REF, "python"), "python").has_error
    assert syntax_counts(TABS_REF, TABS_HYP, "python") == (11, 14)
    tabs = codebleu([TABS_HYP], [TABS_REF], "python")["syntax_match_score"]
    assert abs(tabs - PACKAGE_SYNTAX["tabs"]) > 0.05
    spaces_ref, spaces_hyp = (code.replace("\t", "    ") for code in (TABS_REF, TABS_HYP))
    assert not parse(strip_comments(spaces_ref, "python"), "python").has_error
    spaces = codebleu([spaces_hyp], [spaces_ref], "python")["syntax_match_score"]
    assert spaces == pytest.approx(PACKAGE_SYNTAX["spaces"], abs=1e-12)
