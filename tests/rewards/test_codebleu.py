"""CodeBLEU's parts on hand-made pairs: identical code scores 1, renaming leaves the data-flow
match unchanged, edits lower it; BLEU agrees with sacrebleu where CodeBLEU's conventions allow."""

from __future__ import annotations

import pytest

pytest.importorskip("tree_sitter")

from coderl.rewards import codebleu
from coderl.rewards.bleu import corpus_bleu, corpus_weighted_ngram_match
from coderl.rewards.dataflow import data_flow, dataflow_counts
from coderl.rewards.syntax import syntax_counts
from coderl.rewards.trees import strip_comments

PROGRAMS = {
    "python": (
        "def total(xs):\n    s = 0\n    for x in xs:\n        s = s + x\n    return s\n",
        "def total(values):\n    acc = 0\n    for v in values:\n        acc = acc + v\n"
        "    return acc\n",
    ),
    "java": (
        "class A { static int f(int n) { int s = 0; for (int i = 0; i < n; i++) { s += i; }"
        " return s; } }",
        "class A { static int f(int m) { int t = 0; for (int j = 0; j < m; j++) { t += j; }"
        " return t; } }",
    ),
    "cpp": (
        "int f(int n) { int s = 0; int k = n * 2; s = k + n; return s; }",
        "int f(int m) { int t = 0; int q = m * 2; t = q + m; return t; }",
    ),
    "c": (
        "int f(int n) { int s = 0; int k = n * 2; s = k + n; return s; }",
        "int f(int m) { int t = 0; int q = m * 2; t = q + m; return t; }",
    ),
    "c_sharp": (
        "class A { int F(int n) { int s = 0; foreach (var x in xs) { s = s + x; } return s; } }",
        "class A { int F(int m) { int t = 0; foreach (var y in ys) { t = t + y; } return t; } }",
    ),
    "javascript": (
        "function f(n) { let s = 0; for (let i = 0; i < n; i++) { s += i; } return s; }",
        "function f(m) { let t = 0; for (let j = 0; j < m; j++) { t += j; } return t; }",
    ),
}


@pytest.mark.parametrize("lang", PROGRAMS)
def test_identical_code_scores_one(lang: str) -> None:
    code, _ = PROGRAMS[lang]
    scores = codebleu([code], [code], lang)
    assert scores == pytest.approx(dict.fromkeys(scores, 1.0))


@pytest.mark.parametrize("lang", PROGRAMS)
def test_renaming_variables_leaves_dataflow_and_syntax_unchanged(lang: str) -> None:
    code, renamed = PROGRAMS[lang]
    matched, total = dataflow_counts(code, renamed, lang)
    assert total > 0 and matched == total
    assert syntax_counts(code, renamed, lang)[0] == syntax_counts(code, renamed, lang)[1]
    assert codebleu([renamed], [code], lang)["ngram_match_score"] < 1.0


def test_python_dataflow_edges_follow_definitions() -> None:
    edges = data_flow("a = 1\nb = a + 2\na = b\n", "python")
    # tokens: a0 =1 12 b3 =4 a5 +6 27 a8 =9 b10
    assert edges == [
        ("a", 0, "computedFrom", ["1"], [2]),
        ("1", 2, "comesFrom", [], []),
        ("b", 3, "computedFrom", ["a", "2"], [5, 7]),
        ("a", 5, "comesFrom", ["a"], [0]),  # this use of a reads the definition at token 0
        ("2", 7, "comesFrom", [], []),
        ("a", 8, "computedFrom", ["b"], [10]),
        ("b", 10, "comesFrom", ["b"], [3]),
    ]


def test_edits_lower_the_structural_matches() -> None:
    reference = "def f(a, b):\n    c = a + b\n    d = c * a\n    return d\n"
    edited = "def f(a, b):\n    c = a + b\n    return c\n"
    flow, flow_total = dataflow_counts(reference, edited, "python")
    syntax, syntax_total = syntax_counts(reference, edited, "python")
    assert 0 < flow < flow_total
    assert 0 < syntax < syntax_total


def test_comments_and_docstrings_are_not_structure() -> None:
    assert strip_comments('def f():\n    """Doc."""\n    return 1  # one\n', "python") == (
        "def f():\n    return 1  "
    )
    assert strip_comments('int x; // note\n/* a */ char *s = "//";', "cpp") == (
        'int x;  \n  char *s = "//";'
    )
    commented = "int f() { /* x */ return 1; } // y"
    assert codebleu([commented], ["int f() { return 1; }"], "cpp")["syntax_match_score"] == 1.0


def test_bleu_equals_sacrebleu_without_short_hypotheses() -> None:
    sacrebleu = pytest.importorskip("sacrebleu")
    refs = ["int a = b + c ; return a ;", "for ( int i = 0 ; i < n ; i ++ ) s += i ;"]
    hyps = ["int a = c + b ; return a ;", "for ( int j = 0 ; j < n ; j ++ ) s += j ;"]
    ours = corpus_bleu([r.split() for r in refs], [h.split() for h in hyps])
    theirs = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none", smooth_method="floor")
    assert ours == pytest.approx(theirs.score / 100, abs=1e-9)


def test_bleu_counts_a_short_hypothesis_as_codebleu_does() -> None:
    """NLTK's convention: a 2-token hypothesis still adds 1 to the 3- and 4-gram
    denominators (sacrebleu adds 0), and no unigram match at all scores 0."""
    refs, hyps = [["a", "b", "c", "d"], ["x", "y"]], [["a", "b", "c", "d"], ["x", "y"]]
    # 3-grams: 2 matches of 2 + max(1, 0); 4-grams: 1 of 1 + max(1, 0)
    expected = (1 * 1 * (2 / 3) * (1 / 2)) ** 0.25
    assert corpus_bleu(refs, hyps) == pytest.approx(expected)
    assert corpus_bleu([["a", "b"]], [["c", "d"]]) == 0.0


def test_weighted_match_is_keyword_weighted_recall_without_brevity_penalty() -> None:
    keywords = frozenset({"return"})
    reference = ["return", "x", "y", "z"]
    # recall of unigrams: return (1.0) matched, x (0.2) matched, y, z not: 1.2 / 1.6
    hypothesis = ["return", "x"]
    score = corpus_weighted_ngram_match([reference], [hypothesis], keywords)
    expected = (1.2 / 1.6 * (1 / 3) * (0.1 / 2) * (0.1 / 1)) ** 0.25  # smoothed 3-, 4-grams
    assert score == pytest.approx(expected)  # no brevity penalty although 2 < 4 tokens


def test_bad_arguments_fail_clearly() -> None:
    with pytest.raises(ValueError, match="unknown language 'cobol'"):
        codebleu(["x"], ["x"], "cobol")
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        codebleu(["x", "y"], ["x"], "python")
