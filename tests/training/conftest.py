"""Tiny models and a tiny MBPP-format problem set for the training tests (CPU, seconds)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)

SOLUTIONS = {
    "add": "def add(a, b):\n    return a + b\n",
    "sub": "def sub(a, b):\n    return a - b\n",
    "double": "def double(x):\n    return 2 * x\n",
    "square": "def square(x):\n    return x * x\n",
    "neg": "def neg(x):\n    return -x\n",
    "first": "def first(xs):\n    return xs[0]\n",
}


def mbpp_rows() -> list[dict]:
    """Six one-line functions with a reference solution each, and one row without code."""
    rows = [
        {
            "task_id": 601 + i,
            "text": f"Write a function {name}.",
            "code": code,
            "test_setup_code": "",
            "test_list": [f"assert {name} is not None"],
            "challenge_test_list": [],
        }
        for i, (name, code) in enumerate(SOLUTIONS.items())
    ]
    rows.append({**rows[0], "task_id": 700, "code": "", "test_list": ["assert nothing()"]})
    return rows


@pytest.fixture(scope="session")
def problems_spec(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("problems") / "mbpp.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in mbpp_rows()))
    return f"mbpp:{path}@train"


def _tokenizer():
    from coderl.models import train_code_tokenizer

    texts = [row["text"] for row in mbpp_rows()] + list(SOLUTIONS.values())
    return train_code_tokenizer(texts, vocab_size=320)


@pytest.fixture(scope="session")
def tok():
    """The byte-level BPE tokenizer of the tiny models (pad 0, bos 1, eos 2)."""
    return _tokenizer()


def _save(policy, path: Path) -> Path:
    policy.model.save_pretrained(path)
    policy.tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_causal_dir(tmp_path_factory) -> Path:
    """A 2-layer tiny Llama saved as a save_pretrained folder; attention dropout is on, so
    that resuming must restore the RNG to reproduce a run."""
    from coderl.models import build_tiny_causal

    policy = build_tiny_causal(tokenizer=_tokenizer(), hidden=32, layers=2, heads=4, seed=0)
    policy.model.config.attention_dropout = 0.1
    return _save(policy, tmp_path_factory.mktemp("m") / "causal")


@pytest.fixture(scope="session")
def tiny_seq2seq_dir(tmp_path_factory) -> Path:
    """A 1-layer tiny T5 with the same tokenizer, saved as a save_pretrained folder."""
    from coderl.models import build_tiny_seq2seq

    policy = build_tiny_seq2seq(tokenizer=_tokenizer(), hidden=32, layers=1, heads=4, seed=0)
    return _save(policy, tmp_path_factory.mktemp("m") / "seq2seq")
