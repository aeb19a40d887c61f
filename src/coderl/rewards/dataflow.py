"""CodeBLEU's data-flow match: the share of the reference's def-use edges found in a candidate.

A program's data-flow graph has one node per variable occurrence (a token) and edges that say
where its value comes from: ``comesFrom`` (a use of the last definitions that reach it, a
declaration's initialiser) and ``computedFrom`` (an assignment's or update's right-hand
side). Walking the syntax tree keeps, per variable, the definitions that reach the current
point; a branch joins the states of its arms and a loop body is walked twice so that uses
see the definitions of the previous iteration. Edges are then compared with the variables
renamed canonically (``var_0``, ``var_1``, ... in order of appearance), so renaming a variable
leaves the match unchanged.

The rules follow CodeBLEU (GraphCodeBERT's data-flow extractor) so that scores agree with the
``codebleu`` package: one rule table per language, C and C++ trees read with C#'s table as
CodeBLEU does (its node names rarely fit C's, so their data flow is sparse; see
docs/rewards.md). Where CodeBLEU's order depends on Python's string hashing (it builds lists
from sets), this module keeps the order of first appearance, so scores are reproducible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from coderl.rewards.trees import is_token, parse, span, span_text, strip_comments, token_nodes

# (variable, token index, relation, parent variables, parent token indices)
Edge = tuple[str, int, str, list[str], list[int]]
NormalEdge = tuple[str, str, list[str]]
States = dict[str, list[int]]
Span = tuple[tuple[int, int], tuple[int, int]]
T = TypeVar("T")
# (child's node type, whether an earlier child was an arm) -> is this child an arm of the if
IsArm = Callable[[str, bool], bool]


@dataclass(frozen=True)
class Rules:
    """Which node types define, assign, update and branch, for one language's grammar."""

    assignment: frozenset[str]
    declarator: frozenset[str]
    increment: frozenset[str] = frozenset()
    branch: frozenset[str] = frozenset({"if_statement", "else"})
    loop: frozenset[str] = frozenset({"for_statement"})
    loop_init: str = ""  # after this child a loop's remaining children are walked again
    foreach: frozenset[str] = frozenset()
    foreach_fields: tuple[str, str, str] = ("name", "value", "body")
    repeat: frozenset[str] = frozenset({"while_statement"})
    declarator_by_position: bool = False  # C#: (name, value) are the only two children


_JAVA = Rules(
    assignment=frozenset({"assignment_expression"}),
    declarator=frozenset({"variable_declarator"}),
    increment=frozenset({"update_expression"}),
    loop_init="local_variable_declaration",
    foreach=frozenset({"enhanced_for_statement"}),
)
_C_SHARP = Rules(
    assignment=frozenset({"assignment_expression"}),
    declarator=frozenset({"variable_declarator"}),
    increment=frozenset({"postfix_unary_expression"}),
    loop_init="local_variable_declaration",
    foreach=frozenset({"for_each_statement"}),
    foreach_fields=("left", "right", "body"),
    declarator_by_position=True,
)
_JAVASCRIPT = Rules(
    assignment=frozenset({"assignment_pattern", "augmented_assignment_expression"}),
    declarator=frozenset({"variable_declarator"}),
    increment=frozenset({"update_expression"}),
    loop_init="variable_declaration",
)
RULES: dict[str, Rules] = {
    "java": _JAVA,
    "c_sharp": _C_SHARP,
    "c": _C_SHARP,
    "cpp": _C_SHARP,
    "javascript": _JAVASCRIPT,
}


class _Walker:
    """One program's tokens and the recursive walk that yields its data-flow edges."""

    def __init__(self, root: Any, code: str, rules: Rules | None) -> None:
        lines = code.split("\n")
        self.tokens: dict[Span, tuple[int, str]] = {}
        for i, token in enumerate(token_nodes(root)):
            self.tokens[span(token)] = (i, span_text(span(token), lines))
        self.rules = rules

    def variables(self, node: Any) -> list[tuple[int, str]]:
        """The (index, name) of the tokens under ``node`` that are not keywords/punctuation."""
        found = []
        for token in token_nodes(node):
            index, text = self.tokens[span(token)]
            if token.type != text:
                found.append((index, text))
        return found

    def walk(self, node: Any, states: States) -> tuple[list[Edge], States]:
        states = dict(states)
        if is_token(node):
            return self._token(node, states)
        if self.rules is None:
            return self._python(node, states)
        rules = self.rules
        kind = node.type
        if kind in rules.declarator:
            if rules.declarator_by_position:
                name = node.children[0]
                value = node.children[1] if node.child_count == 2 else None
            else:
                name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            return self._define(name, value, states)
        if kind in rules.assignment:
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            edges, states = self.walk(right, states)
            edges += self._flow(left, right, "computedFrom", states, pairwise=True)
            return _by_index(edges), states
        if kind in rules.increment:
            return self._flow(node, node, "computedFrom", states, pairwise=True), states
        if kind in rules.branch:
            return self._branch(node, states, lambda child, seen: child in rules.branch or seen)
        if kind in rules.loop:
            edges = []
            for child in node.children:
                found, states = self.walk(child, states)
                edges += found
            after_init = False
            for child in node.children:
                if after_init:
                    found, states = self.walk(child, states)
                    edges += found
                elif child.type == rules.loop_init:
                    after_init = True
            return _merge(edges), states
        if kind in rules.foreach:
            name, value, body = (node.child_by_field_name(f) for f in rules.foreach_fields)
            edges = []
            for _ in range(2):
                found, states = self.walk(value, states)
                edges += found + self._flow(name, value, "computedFrom", states, pairwise=True)
                found, states = self.walk(body, states)
                edges += found
            return _merge(edges), states
        if kind in rules.repeat:
            return self._twice(node, states)
        return self._children(node.children, states)

    def _python(self, node: Any, states: States) -> tuple[list[Edge], States]:
        kind = node.type
        if kind == "default_parameter":
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            return self._define(name, value, states)
        if kind in ("assignment", "augmented_assignment", "for_in_clause"):
            if kind == "for_in_clause":
                pairs = [(node.child_by_field_name("left"), node.children[-1])]
            elif node.child_by_field_name("right") is None:
                return [], states  # an annotation without a value
            else:
                pairs = _python_pairs(node)
            edges = []
            for _, right in pairs:
                found, states = self.walk(right, states)
                edges += found
            for left, right in pairs:
                edges += self._flow(left, right, "computedFrom", states, pairwise=False)
            return _by_index(edges), states
        if kind == "if_statement":
            return self._branch(
                node, states, lambda child, _: child in ("elif_clause", "else_clause")
            )
        if kind == "for_statement":
            edges = []
            for _ in range(2):
                pairs = _python_pairs(node)
                for _, right in pairs:
                    found, states = self.walk(right, states)
                    edges += found
                for left, right in pairs:
                    edges += self._flow(left, right, "computedFrom", states, pairwise=False)
                if node.children[-1].type == "block":  # CodeBLEU skips a body before `else:`
                    found, states = self.walk(node.children[-1], states)
                    edges += found
            return _merge(edges), states
        if kind == "while_statement":
            return self._twice(node, states)
        first = [c for c in node.children if c.type == "for_in_clause"]
        rest = [c for c in node.children if c.type != "for_in_clause"]
        return self._children(first + rest, states)

    def _token(self, node: Any, states: States) -> tuple[list[Edge], States]:
        index, text = self.tokens[span(node)]
        if node.type == text:  # a keyword or punctuation
            return [], states
        if text in states:
            return [(text, index, "comesFrom", [text], list(states[text]))], states
        if node.type == "identifier":
            states[text] = [index]
        return [(text, index, "comesFrom", [], [])], states

    def _define(self, name: Any, value: Any, states: States) -> tuple[list[Edge], States]:
        if value is None:
            edges: list[Edge] = []
            for index, text in self.variables(name):
                edges.append((text, index, "comesFrom", [], []))
                states[text] = [index]
            return _by_index(edges), states
        edges, states = self.walk(value, states)
        edges += self._flow(name, value, "comesFrom", states, pairwise=True)
        return _by_index(edges), states

    def _flow(
        self, target: Any, source: Any, relation: str, states: States, *, pairwise: bool
    ) -> list[Edge]:
        """Edges from each variable in ``source`` to each in ``target``, which now holds the
        last definition: one edge per (target, source) pair, or one edge per target listing
        every source (Python's rule)."""
        sources = self.variables(source)
        edges: list[Edge] = []
        for index, text in self.variables(target):
            if pairwise:
                edges += [(text, index, relation, [s], [i]) for i, s in sources]
            else:
                edges.append(
                    (text, index, relation, [s for _, s in sources], [i for i, _ in sources])
                )
            states[text] = [index]
        return edges

    def _branch(self, node: Any, states: States, is_arm: IsArm) -> tuple[list[Edge], States]:
        """An if: the condition and first arm in sequence, every other arm from the state
        before the if; afterwards a variable may hold the definitions of any arm."""
        edges: list[Edge] = []
        current = dict(states)
        arms: list[States] = []
        has_else = "else" in node.type
        in_arms = False
        for child in node.children:
            has_else = has_else or "else" in child.type
            in_arms = is_arm(child.type, in_arms)
            if not in_arms:
                found, current = self.walk(child, current)
            else:
                found, arm = self.walk(child, states)
                arms.append(arm)
            edges += found
        arms.append(current)
        if not has_else:
            arms.append(states)
        joined: dict[str, list[int]] = {}
        for arm in arms:
            for key, value in arm.items():
                joined.setdefault(key, []).extend(value)
        return _by_index(edges), {key: sorted(set(value)) for key, value in joined.items()}

    def _twice(self, node: Any, states: States) -> tuple[list[Edge], States]:
        edges: list[Edge] = []
        for _ in range(2):
            for child in node.children:
                found, states = self.walk(child, states)
                edges += found
        return _merge(edges), states

    def _children(self, children: Sequence[Any], states: States) -> tuple[list[Edge], States]:
        edges: list[Edge] = []
        for child in children:
            found, states = self.walk(child, states)
            edges += found
        return _by_index(edges), states


def _python_pairs(node: Any) -> list[tuple[Any, Any]]:
    """``a, b = x, y`` pairs element-wise; otherwise the whole left side with the whole right."""
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    lefts = [c for c in left.children if c.type != ","]
    rights = [c for c in right.children if c.type != ","]
    if len(lefts) != len(rights):
        lefts, rights = [left], [right]
    return list(zip(lefts or [left], rights or [right]))


def _by_index(edges: list[Edge]) -> list[Edge]:
    return sorted(edges, key=lambda edge: edge[1])


def _merge(edges: list[Edge]) -> list[Edge]:
    """A loop walked twice: one edge per (variable, token, relation), parents united."""
    merged: dict[tuple[str, int, str], tuple[list[str], list[int]]] = {}
    for name, index, relation, names, indices in edges:
        key = (name, index, relation)
        if key not in merged:
            merged[key] = (names, indices)
        else:
            old_names, old_indices = merged[key]
            merged[key] = (_union(old_names, names), sorted(set(old_indices + indices)))
    ordered = sorted(merged.items(), key=lambda item: item[0][1])
    return [(k[0], k[1], k[2], names, indices) for k, (names, indices) in ordered]


def _union(first: list[T], second: list[T]) -> list[T]:
    """Both lists' items once each, in order of first appearance (CodeBLEU: set order)."""
    return list(dict.fromkeys(first + second))


def data_flow(code: str, lang: str) -> list[Edge]:
    """The data-flow edges of ``code`` (comments already removed), one per variable token
    that takes part in some flow. A tree the rules cannot read (an error node lacking a
    field CodeBLEU expects) has none, as in CodeBLEU."""
    root = parse(code, lang)
    walker = _Walker(root, code, None if lang == "python" else RULES[lang])
    try:
        edges, _ = walker.walk(root, {})
    except (AttributeError, IndexError, KeyError, TypeError, RecursionError):
        edges = []
    edges = _by_index(edges)
    linked = {e[1] for e in edges if e[4]} | {i for e in edges for i in e[4]}
    by_token: dict[int, Edge] = {}
    for name, index, relation, names, indices in edges:
        if index not in linked:
            continue
        if index in by_token:
            old = by_token[index]
            names, indices = _union(old[3], names), _union(old[4], indices)
        by_token[index] = (name, index, relation, names, indices)
    return list(by_token.values())


def normalize(edges: list[Edge]) -> list[NormalEdge]:
    """Edges with variables renamed ``var_0``, ``var_1``, ... in order of appearance."""
    names: dict[str, str] = {}
    out: list[NormalEdge] = []
    for name, _, relation, parents, _ in edges:
        for parent in [*parents, name]:
            names.setdefault(parent, f"var_{len(names)}")
        out.append((names[name], relation, [names[p] for p in parents]))
    return out


def dataflow_counts(reference: str, candidate: str, lang: str) -> tuple[int, int]:
    """(matched, total): how many of the reference's normalised edges the candidate has,
    each candidate edge matching at most once."""
    ref = normalize(data_flow(strip_comments(reference, lang), lang))
    cand = normalize(data_flow(strip_comments(candidate, lang), lang))
    matched = 0
    for edge in ref:
        if edge in cand:
            cand.remove(edge)
            matched += 1
    return matched, len(ref)
