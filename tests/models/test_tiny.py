import torch

from coderl.models import build_tiny_causal, build_tiny_seq2seq

torch.set_num_threads(1)


def test_tiny_causal_is_seeded_and_runs():
    policy = build_tiny_causal(seed=3)
    again = build_tiny_causal(seed=3)
    other = build_tiny_causal(seed=4)
    ids = policy.tokenizer(["def f(x):"], return_tensors="pt").input_ids
    with torch.no_grad():
        logits = policy.model(ids).logits
        assert torch.equal(logits, again.model(ids).logits)
        assert not torch.equal(logits, other.model(ids).logits)
    assert logits.shape == (1, ids.shape[1], len(policy.tokenizer))
    assert not policy.is_encoder_decoder
    assert policy.tokenizer.padding_side == "left"
    assert policy.model.config.model_type == "llama"


def test_tiny_seed_does_not_touch_global_rng():
    torch.manual_seed(0)
    expected = torch.rand(1)
    torch.manual_seed(0)
    build_tiny_causal(seed=5)
    assert torch.equal(torch.rand(1), expected)


def test_tiny_seq2seq_runs():
    policy = build_tiny_seq2seq(hidden=32, heads=2)
    batch = policy.encode_prompts(["x = 1", "def g():"])
    decoder_ids = torch.zeros((2, 1), dtype=torch.long)
    with torch.no_grad():
        out = policy.model(**batch, decoder_input_ids=decoder_ids)
    assert out.logits.shape == (2, 1, len(policy.tokenizer))
    assert policy.is_encoder_decoder
    assert policy.model.config.model_type == "t5"
