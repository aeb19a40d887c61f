"""CodeBLEU's syntax match: the share of the reference's syntax subtrees found in a candidate.

A subtree is an inner node of the tree-sitter tree written as its S-expression: node types
and field names, no identifiers or literals, so it compares structure only. As in CodeBLEU,
each of the reference's subtrees counts once per occurrence and matches when the candidate has
that subtree anywhere (the candidate's copies are not used up).
"""

from __future__ import annotations

from typing import Any

from coderl.rewards.trees import parse, strip_comments


def subtrees(root: Any) -> list[str]:
    """The S-expressions of ``root`` and of every node under it that has children."""
    found: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(str(node))
        stack.extend(child for child in node.children if child.child_count)
    return found


def syntax_counts(reference: str, candidate: str, lang: str) -> tuple[int, int]:
    """(matched, total) subtrees of the reference (comments removed from both)."""
    ref = subtrees(parse(strip_comments(reference, lang), lang))
    cand = set(subtrees(parse(strip_comments(candidate, lang), lang)))
    return sum(tree in cand for tree in ref), len(ref)
