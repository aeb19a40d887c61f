import pytest

from coderl.models.tokenizer import BOS, EOS, PAD, train_code_tokenizer

CODE = 'def f(x):\n\treturn  x * 2  # ünïcode 🙂\n\n\nprint(f"{f(3)!r}")\n'


def test_training_is_deterministic():
    first = train_code_tokenizer(vocab_size=400)
    second = train_code_tokenizer(vocab_size=400)
    assert first.get_vocab() == second.get_vocab()
    assert len(first) == 400


def test_any_text_round_trips_exactly():
    tokenizer = train_code_tokenizer()
    ids = tokenizer(CODE).input_ids
    assert tokenizer.decode(ids) == CODE
    assert len(ids) < len(CODE.encode())  # merges were learned


def test_special_tokens_have_fixed_ids_and_are_not_added_on_encode():
    tokenizer = train_code_tokenizer(["a b c"], vocab_size=300)
    assert (tokenizer.pad_token, tokenizer.bos_token, tokenizer.eos_token) == (PAD, BOS, EOS)
    assert (tokenizer.pad_token_id, tokenizer.bos_token_id, tokenizer.eos_token_id) == (0, 1, 2)
    assert tokenizer("x").input_ids == tokenizer.convert_tokens_to_ids(["x"])


def test_chat_template_ends_turns_with_eos():
    tokenizer = train_code_tokenizer()
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True
    )
    assert text == f"<|user|>\nhi{EOS}\n<|assistant|>\n"


def test_too_small_vocabulary_is_refused():
    with pytest.raises(ValueError, match="at least 259"):
        train_code_tokenizer(vocab_size=100)
