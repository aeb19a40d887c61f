"""Prompts: the text a policy is conditioned on, one builder per benchmark convention.

One builder serves both training and inference (the CodeRL reference code used two slightly
different APPS prompts, so a model trained on one was evaluated on the other). Chat models get
the same base prompt wrapped in one user message and rendered by their own chat template.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from coderl.problems.types import Problem

PromptBuilder = Callable[[Problem], str]

CHAT_INSTRUCTION = (
    "Write the complete solution in Python 3 and answer with exactly one Python code block "
    "(```python ... ```)."
)

MBPP_NUM_TESTS = 3  # the MBPP paper shows the model its three test asserts


def apps_prompt(problem: Problem) -> str:
    """CodeRL's APPS format; the I/O hint is call-based when there is a function to call."""
    starter = f"\n{problem.starter_code}" if problem.starter_code else ""
    call_based = problem.entry_point is not None or problem.is_call_based
    io_format = "Use Call-Based format" if call_based else "Use Standard Input format"
    return f"\nQUESTION:\n{problem.statement}{starter}\n{io_format}\nANSWER:\n"


def mbpp_prompt(problem: Problem) -> str:
    """The MBPP paper's prompt: the task, then the assert lines the code must pass.

    The asserts are the example tests when the problem has any, else its first three hidden
    tests (MBPP's ``test_list``), as the paper showed them.
    """
    shown = [t.code for t in problem.example_tests if t.kind == "assert"]
    if not shown:
        shown = [t.code for t in problem.tests if t.kind == "assert"][:MBPP_NUM_TESTS]
    if not shown:
        raise ValueError(
            f"problem {problem.id!r} has no assert tests to show in an MBPP prompt; "
            "choose another prompt style"
        )
    tests = "\n".join(shown)
    return (
        "You are an expert Python programmer, and here is your task: "
        f"{problem.statement} Your code should pass these tests:\n\n{tests}\n"
    )


def humaneval_prompt(problem: Problem) -> str:
    """HumanEval's prompt as it is: the signature and docstring the completion continues."""
    return problem.code_prefix


# coderl's language names -> (the name a prompt says, the code block's tag)
LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "java": ("Java", "java"),
    "cpp": ("C++", "cpp"),
    "c": ("C", "c"),
    "python": ("Python", "python"),
    "c_sharp": ("C#", "csharp"),
    "javascript": ("JavaScript", "javascript"),
    "php": ("PHP", "php"),
}


def translation_request(problem: Problem) -> str:
    """The request ("Translate this Java program to C++.") and the source program in a code
    block (a translation problem's statement is its source program, its language the
    target's)."""
    source_lang = problem.metadata.get("source_language")
    if source_lang not in LANGUAGE_NAMES or problem.language not in LANGUAGE_NAMES:
        raise ValueError(
            f"problem {problem.id!r} is not a translation problem (needs metadata "
            "source_language and a target language among "
            f"{', '.join(LANGUAGE_NAMES)}); choose another prompt style"
        )
    source_name, source_tag = LANGUAGE_NAMES[source_lang]
    target_name, _ = LANGUAGE_NAMES[problem.language]
    return (
        f"Translate this {source_name} program to {target_name}.\n\n"
        f"{source_name}:\n```{source_tag}\n{problem.statement.strip()}\n```\n"
    )


def translation_prompt(problem: Problem) -> str:
    """The request, then an opened code block of the target language for a base model to
    continue (generation stops at the closing fence)."""
    target_name, target_tag = LANGUAGE_NAMES.get(problem.language, ("", ""))
    return f"{translation_request(problem)}\n{target_name}:\n```{target_tag}\n"


PROMPT_STYLES: dict[str, PromptBuilder] = {
    "apps": apps_prompt,
    "mbpp": mbpp_prompt,
    "humaneval": humaneval_prompt,
    "translation": translation_prompt,
}

DEFAULT_STYLE_BY_SOURCE: dict[str, str] = {
    "apps": "apps",
    "codecontests": "apps",
    "synthetic": "apps",
    "mbpp": "mbpp",
    "mbpp-sanitized": "mbpp",
    "humaneval": "humaneval",
    "humaneval+": "humaneval",
    "xlcost": "translation",
}


def default_style(problem: Problem) -> str:
    """The style of the problem's benchmark; other sources go by shape.

    A problem with a ``code_prefix`` is a completion task (``humaneval``); any other
    unknown source gets CodeRL's ``apps`` format, which fits stdio and call-based problems.
    """
    style = DEFAULT_STYLE_BY_SOURCE.get(problem.source.lower())
    if style is not None:
        return style
    return "humaneval" if problem.code_prefix else "apps"


def check_style(style: str | None, key: str = "prompt_style", chat: bool = False) -> None:
    """A `ValueError` naming ``key`` and the valid styles when ``style`` is not one (None,
    each problem's own style, is valid): configs check it before any model loads."""
    valid = sorted(PROMPT_STYLES) + (["chat"] if chat else [])
    if style is not None and style not in valid:
        raise ValueError(f"{key} = {style!r} is not a prompt style; use one of {', '.join(valid)}")


def build_prompt(problem: Problem, style: str | None = None) -> str:
    """The prompt for ``problem`` in ``style`` (default: the one its source calls for)."""
    name = default_style(problem) if style is None else style
    builder = PROMPT_STYLES.get(name)
    if builder is None:
        raise ValueError(
            f"unknown prompt style {name!r}; valid styles: {', '.join(sorted(PROMPT_STYLES))} "
            "(for chat models use build_chat_prompt(problem, tokenizer))"
        )
    return builder(problem)


def build_chat_messages(problem: Problem, base_style: str | None = None) -> list[dict[str, str]]:
    """One user message: the base prompt, then the instruction to answer with a code block.

    A single user turn (no system message) because some chat templates reject system roles.
    A translation asks for one code block of the target language.
    """
    if (default_style(problem) if base_style is None else base_style) == "translation":
        name, tag = LANGUAGE_NAMES[problem.language]
        instruction = f"Answer with exactly one {name} code block (```{tag} ... ```)."
        return [{"role": "user", "content": f"{translation_request(problem)}\n{instruction}"}]
    content = f"{build_prompt(problem, base_style)}\n\n{CHAT_INSTRUCTION}"
    return [{"role": "user", "content": content}]


def render_chat(messages: list[dict[str, str]], tokenizer: Any) -> str:
    """The messages as the model's chat template writes them, ending where the answer starts.

    ``tokenizer`` is any object with Hugging Face's ``apply_chat_template`` (passed in so that
    this module does not import transformers).
    """
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    if not isinstance(text, str):
        raise TypeError(f"apply_chat_template returned {type(text).__name__}, expected str")
    return text


def build_chat_prompt(problem: Problem, tokenizer: Any, base_style: str | None = None) -> str:
    """The chat-formatted prompt for ``problem``, rendered by ``tokenizer``'s chat template."""
    return render_chat(build_chat_messages(problem, base_style), tokenizer)
