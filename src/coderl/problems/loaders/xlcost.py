"""XLCoST program-level translation pairs (Zhu et al. 2022), e.g. ``xlcost:data/Java-C++@val``.

A pair folder is named ``A-B`` (``Java-C++``) and holds, per split, one tokenized program a
line for each language, aligned by line (``{split}-A-B-tok.{ext}.txt``), and a map file of
problem ids (``{split}-A-map.jsonl``, one id a line). ``xlcost`` translates A to B,
``xlcost-reverse`` B to A. Each problem's statement is the source program, its one solution
the target program (the reference), and its language the target's; it has no tests: a
translation is judged by compile rate, BLEU, CodeBLEU and exact match
(`coderl.evaluation.translation`).
"""

from __future__ import annotations

import re
from pathlib import Path

from coderl.errors import DataError
from coderl.problems.loaders.rows import require_path
from coderl.problems.types import Problem, ProblemSet

# XLCoST's language names -> (coderl's language, the file suffix)
LANGUAGES: dict[str, tuple[str, str]] = {
    "Java": ("java", "java"),
    "C++": ("cpp", "cpp"),
    "C": ("c", "c"),
    "C#": ("c_sharp", "cs"),
    "Python": ("python", "py"),
    "Javascript": ("javascript", "js"),
    "PHP": ("php", "php"),
}
SPLITS = ("train", "val", "test")


def load(path: str | None, split: str | None) -> ProblemSet:
    """The pairs of one split (or of every split present), source = the folder's first
    language."""
    return _load(path, split, reverse=False)


def load_reverse(path: str | None, split: str | None) -> ProblemSet:
    """As `load`, translating the folder's second language into its first."""
    return _load(path, split, reverse=True)


def _load(path: str | None, split: str | None, *, reverse: bool) -> ProblemSet:
    name = "xlcost-reverse" if reverse else "xlcost"
    folder = require_path(name, path)
    if not folder.is_dir():
        raise DataError(f"{name}: {folder} is not a folder (expected a pair folder like Java-C++)")
    first, second = _pair(folder, name)
    source, target = (second, first) if reverse else (first, second)
    if split is not None and split not in SPLITS:
        raise DataError(f"{name}: unknown split {split!r}; valid: {', '.join(SPLITS)}")
    wanted = [split] if split is not None else SPLITS
    present = [s for s in wanted if _program_file(folder, s, first, second, first).is_file()]
    if not present:
        raise DataError(f"{name}: {folder} has no {'/'.join(wanted)} programs")
    problems: list[Problem] = []
    for chosen in present:
        problems += _split(folder, chosen, first, second, source, target)
    return ProblemSet(spec=f"{name}:{folder}", problems=tuple(problems))


def _pair(folder: Path, name: str) -> tuple[str, str]:
    for first in LANGUAGES:
        rest = folder.name.removeprefix(f"{first}-")
        if rest != folder.name and rest in LANGUAGES:
            return first, rest
    valid = ", ".join(LANGUAGES)
    raise DataError(f"{name}: folder {folder.name!r} is not A-B with A, B among {valid}")


def _program_file(folder: Path, split: str, first: str, second: str, lang: str) -> Path:
    return folder / f"{split}-{first}-{second}-tok.{LANGUAGES[lang][1]}.txt"


def _split(
    folder: Path, split: str, first: str, second: str, source: str, target: str
) -> list[Problem]:
    sources = _lines(_program_file(folder, split, first, second, source))
    targets = _lines(_program_file(folder, split, first, second, target))
    map_file = folder / f"{split}-{first}-map.jsonl"
    ids = _lines(map_file) if map_file.is_file() else [str(i) for i in range(len(sources))]
    if not len(sources) == len(targets) == len(ids):
        raise DataError(
            f"xlcost: {folder} {split}: {len(sources)} {source} programs, {len(targets)} "
            f"{target} programs and {len(ids)} ids; they must align line by line"
        )
    src_lang, tgt_lang = LANGUAGES[source][0], LANGUAGES[target][0]
    problems = []
    for line, (pid, src, tgt) in enumerate(zip(ids, sources, targets), start=1):
        problems.append(
            Problem(
                id=f"{split}/{pid.strip()}",
                source="xlcost",
                statement=detokenize_xlcost(src, src_lang),
                solutions=(detokenize_xlcost(tgt, tgt_lang),),
                split=split,
                language=tgt_lang,
                metadata={"source_language": src_lang, "line": line},
            )
        )
    return problems


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def detokenize_xlcost(text: str, language: str = "cpp") -> str:
    """Source code from XLCoST's whitespace-tokenized form.

    ``NEW_LINE`` becomes a line break. For Python ``INDENT``/``DEDENT`` open and close a
    level of four-space indentation; elsewhere they go (braces carry the structure of C and
    Java), and a preprocessor directive that the data left mid-line starts a new line. Inside
    string and char literals the separating spaces go and ``▁`` is a space. Outside literals
    the spaces between tokens stay, which the languages ignore.
    """
    if language == "python":
        text = _python_layout(text)
    else:
        text = re.sub(r" *(?<!\S)NEW_LINE(?!\S) *", "\n", text)
        text = re.sub(
            r"(?<=\S) +(?=#\s*(?:include|define|undef|ifn?def|if|endif|pragma)\b)", "\n", text
        )
        text = re.sub(r"(?<!\S)(?:INDENT|DEDENT)(?!\S) ?", "", text)
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] in "\"'" and (i == 0 or text[i - 1].isspace()):
            literal, i = _read_literal(text, i)
            out.append(literal)
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _python_layout(text: str) -> str:
    """Lines and indentation from NEW_LINE, INDENT and DEDENT tokens."""
    lines: list[str] = []
    depth = 0
    current: list[str] = []
    for token in text.split(" "):
        if token == "NEW_LINE":
            lines.append("    " * depth + " ".join(current))
            current = []
        elif token == "INDENT":
            depth += 1
        elif token == "DEDENT":
            depth = max(depth - 1, 0)
        else:
            current.append(token)
    if current:
        lines.append("    " * depth + " ".join(current))
    return "\n".join(line for line in lines if line.strip())


def _read_literal(text: str, start: int) -> tuple[str, int]:
    """The tokenized literal opening at ``start``, untokenized, and the index after it."""
    quote, chars, i = text[start], [text[start]], start + 1
    while i < len(text):
        ch = text[i]
        i += 1
        if ch == " ":
            continue
        if ch == "\\":  # the escaped character is the next one that is not a separator
            while i < len(text) and text[i] == " ":
                i += 1
            chars.append(ch + text[i : i + 1])
            i += 1
            continue
        chars.append(" " if ch == "▁" else ch)
        if ch == quote:
            break
    return "".join(chars), i
