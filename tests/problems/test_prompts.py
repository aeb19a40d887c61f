from __future__ import annotations

import dataclasses

import pytest

from coderl.problems.prompts import (
    CHAT_INSTRUCTION,
    build_chat_messages,
    build_chat_prompt,
    build_prompt,
    default_style,
    render_chat,
)
from coderl.problems.types import Problem
from coderl.problems.types import TestCase as Case  # aliased: pytest would try to collect it

STDIO = Problem(
    id="apps/1",
    source="apps",
    statement="Read n and print n squared.",
    tests=(Case.stdio("3\n", "9\n"),),
)
CALL = Problem(
    id="apps/2",
    source="apps",
    statement="Return the sum of a and b.",
    tests=(Case.call([1, 2], 3),),
    entry_point="add",
    starter_code="class Solution:\n    def add(self, a, b):",
)
MBPP = Problem(
    id="mbpp/2",
    source="mbpp",
    statement="Write a function to add two numbers.",
    tests=tuple(Case.assertion(f"assert add({i}, 1) == {i + 1}") for i in range(5)),
    entry_point="add",
)
HUMANEVAL = Problem(
    id="HumanEval/0",
    source="humaneval",
    statement="Add two numbers.",
    code_prefix='def add(a, b):\n    """Add two numbers."""\n',
    entry_point="add",
)


def test_apps_stdin_prompt() -> None:
    expected = "\nQUESTION:\nRead n and print n squared.\nUse Standard Input format\nANSWER:\n"
    assert build_prompt(STDIO) == expected


def test_apps_call_based_prompt_includes_starter_code() -> None:
    expected = (
        "\nQUESTION:\nReturn the sum of a and b.\n"
        "class Solution:\n    def add(self, a, b):\n"
        "Use Call-Based format\nANSWER:\n"
    )
    assert build_prompt(CALL) == expected


@pytest.mark.parametrize(
    ("entry_point", "tests", "expected"),
    [
        (None, (Case.stdio("", "1\n"),), "Use Standard Input format"),
        ("f", (Case.stdio("", "1\n"),), "Use Call-Based format"),
        (None, (Case.call([], 1),), "Use Call-Based format"),
    ],
)
def test_apps_call_based_rule(entry_point, tests, expected) -> None:
    problem = Problem(
        id="x", source="codecontests", statement="S", tests=tests, entry_point=entry_point
    )
    assert build_prompt(problem).endswith(f"\n{expected}\nANSWER:\n")


def test_mbpp_prompt_shows_first_three_hidden_tests() -> None:
    expected = (
        "You are an expert Python programmer, and here is your task: "
        "Write a function to add two numbers. Your code should pass these tests:\n\n"
        "assert add(0, 1) == 1\nassert add(1, 1) == 2\nassert add(2, 1) == 3\n"
    )
    assert build_prompt(MBPP) == expected


def test_mbpp_prompt_prefers_example_tests() -> None:
    problem = Problem(
        id="m",
        source="mbpp",
        statement="T.",
        tests=MBPP.tests,
        example_tests=(Case.assertion("assert add(9, 9) == 18"),),
    )
    assert build_prompt(problem).endswith("these tests:\n\nassert add(9, 9) == 18\n")


def test_mbpp_prompt_without_asserts_is_an_error() -> None:
    with pytest.raises(ValueError, match="apps/1"):
        build_prompt(STDIO, "mbpp")


def test_humaneval_prompt_is_the_code_prefix() -> None:
    assert build_prompt(HUMANEVAL) == HUMANEVAL.code_prefix


@pytest.mark.parametrize(
    ("source", "style"),
    [("mbpp-sanitized", "mbpp"), ("humaneval+", "humaneval"), ("CodeContests", "apps")],
)
def test_default_style_by_source(source: str, style: str) -> None:
    assert default_style(dataclasses.replace(MBPP, source=source)) == style


def test_unknown_source_defaults_by_shape() -> None:
    completion = Problem(id="j", source="jsonl", statement="s", code_prefix="def f():\n")
    whole = Problem(id="k", source="jsonl", statement="s")
    assert build_prompt(completion) == "def f():\n"
    assert build_prompt(whole).startswith("\nQUESTION:\ns\n")


def test_unknown_style_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="apps, humaneval, mbpp"):
        build_prompt(STDIO, "alpaca")


def test_chat_messages_wrap_the_base_prompt() -> None:
    messages = build_chat_messages(STDIO)
    assert messages == [
        {"role": "user", "content": build_prompt(STDIO) + "\n\n" + CHAT_INSTRUCTION}
    ]
    assert build_chat_messages(MBPP, "apps")[0]["content"].startswith("\nQUESTION:\n")


class StubTokenizer:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def apply_chat_template(self, messages, **kwargs):
        self.calls.append(kwargs)
        turns = "".join(f"<{m['role']}>{m['content']}</{m['role']}>" for m in messages)
        return turns + ("<assistant>" if kwargs["add_generation_prompt"] else "")


def test_render_chat_asks_for_text_with_a_generation_prompt() -> None:
    tokenizer = StubTokenizer()
    text = render_chat([{"role": "user", "content": "hi"}], tokenizer)
    assert text == "<user>hi</user><assistant>"
    assert tokenizer.calls == [{"tokenize": False, "add_generation_prompt": True}]


def test_render_chat_rejects_token_ids() -> None:
    class Tokenizing:
        def apply_chat_template(self, messages, **kwargs):
            return [1, 2, 3]

    with pytest.raises(TypeError, match="list"):
        render_chat([{"role": "user", "content": "hi"}], Tokenizing())


def test_chat_prompt_with_a_real_tokenizer() -> None:
    """A real transformers tokenizer built offline, rendering a real Jinja chat template."""
    tokenizers = pytest.importorskip("tokenizers")
    transformers = pytest.importorskip("transformers")
    backend = tokenizers.Tokenizer(tokenizers.models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        chat_template=(
            "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
            "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
        ),
    )
    text = build_chat_prompt(STDIO, tokenizer)
    assert text == f"<|user|>\n{build_chat_messages(STDIO)[0]['content']}\n<|assistant|>\n"
