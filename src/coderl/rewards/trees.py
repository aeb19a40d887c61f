"""Parsing code with tree-sitter for CodeBLEU's syntax and data-flow matches.

The grammars come from the per-language wheels on PyPI (``pip install coderl[rewards]``);
one parser per language and thread is kept, since building one costs more than parsing a
short program. Comments (and Python docstrings) are removed before parsing, as CodeBLEU does,
so that they never count as structure.
"""

from __future__ import annotations

import importlib
import io
import re
import threading
import tokenize
from functools import cache
from typing import Any

# lang -> (grammar module, its function returning the language pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "c_sharp": ("tree_sitter_c_sharp", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
}
LANGUAGE_ALIASES = {"c++": "cpp", "csharp": "c_sharp", "c#": "c_sharp", "js": "javascript"}
# Node types whose text is one token even though tree-sitter gives them children.
ATOMIC_TYPES = frozenset({"string_literal", "string", "character_literal"})

_C_STYLE_COMMENT_OR_LITERAL = re.compile(
    r"//.*?$|/\*.*?\*/|'(?:\\.|[^\\'])*'|\"(?:\\.|[^\\\"])*\"", re.DOTALL | re.MULTILINE
)
_local = threading.local()


def canonical_language(lang: str) -> str:
    """``lang`` as a key of `GRAMMARS`; a clear error for a language CodeBLEU cannot parse."""
    name = LANGUAGE_ALIASES.get(lang.lower(), lang.lower())
    if name not in GRAMMARS:
        raise ValueError(f"unknown language {lang!r} for CodeBLEU; valid: {', '.join(GRAMMARS)}")
    return name


@cache
def _language(lang: str) -> Any:
    try:
        import tree_sitter
    except ImportError as err:
        raise ImportError(
            "CodeBLEU's syntax and data-flow matches need tree-sitter: "
            'pip install "coderl[rewards]"'
        ) from err
    module_name, attribute = GRAMMARS[lang]
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        wheel = module_name.replace("_", "-")
        raise ImportError(f"no tree-sitter grammar for {lang}: pip install {wheel}") from err
    return tree_sitter.Language(getattr(module, attribute)())


def parse(code: str, lang: str) -> Any:
    """The root node of ``code``'s syntax tree (tree-sitter always returns a tree, with
    ERROR nodes where the code does not parse)."""
    parsers = _local.__dict__.setdefault("parsers", {})
    if lang not in parsers:
        language = _language(lang)  # first: its ImportError says what to install
        import tree_sitter

        parsers[lang] = tree_sitter.Parser(language)
    return parsers[lang].parse(code.encode("utf-8")).root_node


def strip_comments(source: str, lang: str) -> str:
    """``source`` without comments (Python: also docstrings) and blank lines; unchanged when
    Python's tokenizer rejects it, as CodeBLEU leaves such code alone."""
    try:
        text = _strip_python(source) if lang == "python" else _strip_c_style(source)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source
    return "\n".join(line for line in text.split("\n") if line.strip())


def _strip_c_style(source: str) -> str:
    # a comment becomes one space (it may separate two tokens); literals stay as they are
    return _C_STYLE_COMMENT_OR_LITERAL.sub(
        lambda m: " " if m.group(0).startswith("/") else m.group(0), source
    )


def _strip_python(source: str) -> str:
    """Comments and docstrings (a string that is a statement of its own) out, the layout kept."""
    out: list[str] = []
    previous = tokenize.INDENT
    last_line, last_col = -1, 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        kind, text, (start_line, start_col), (end_line, end_col), _ = token
        if start_line > last_line:
            last_col = 0
        if start_col > last_col:
            out.append(" " * (start_col - last_col))
        if kind == tokenize.COMMENT:
            pass
        elif kind == tokenize.STRING:
            docstring = previous in (tokenize.INDENT, tokenize.NEWLINE) or start_col == 0
            if not docstring:
                out.append(text)
        else:
            out.append(text)
        previous = kind
        last_col, last_line = end_col, end_line
    return "".join(out)


def is_token(node: Any) -> bool:
    """A leaf of CodeBLEU's token sequence: a leaf node or a whole string/char literal."""
    return (node.child_count == 0 or node.type in ATOMIC_TYPES) and node.type != "comment"


def token_nodes(root: Any) -> list[Any]:
    """The tokens under ``root``, in source order."""
    tokens: list[Any] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if is_token(node):
            tokens.append(node)
        else:
            stack.extend(reversed(node.children))
    return tokens


def span(node: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """A token's key: its (start, end) points."""
    return tuple(node.start_point), tuple(node.end_point)


def span_text(span: tuple[tuple[int, int], tuple[int, int]], lines: list[str]) -> str:
    """The source text of a token from its points (line, column): columns count bytes in
    tree-sitter, characters here, as in CodeBLEU (they differ only on non-ASCII lines)."""
    (start_line, start_col), (end_line, end_col) = span
    if start_line == end_line:
        return lines[start_line][start_col:end_col]
    middle = "".join(lines[start_line + 1 : end_line])
    return lines[start_line][start_col:] + middle + lines[end_line][:end_col]
