from dataclasses import replace

import pytest
import torch

from coderl.errors import CoderlError
from coderl.models import (
    OUTCOME_CLASSES,
    OutcomeCritic,
    build_tiny_causal,
    build_tiny_seq2seq,
    critic_batch,
    outcome_class,
    train_code_tokenizer,
)

torch.set_num_threads(1)

PROMPTS = ["Write a function add.\n", "Write a function that returns the first item of xs.\n"]
PROGRAMS = ["def add(a, b):\n    return a + b\n", "def first(xs):\n    return xs[0]\n" * 3]


@pytest.fixture(scope="module")
def tokenizer():
    return train_code_tokenizer(PROMPTS + PROGRAMS, vocab_size=300)


@pytest.fixture(scope="module", params=["causal", "seq2seq"])
def critic(request, tokenizer) -> OutcomeCritic:
    build = build_tiny_causal if request.param == "causal" else build_tiny_seq2seq
    policy = build(tokenizer=tokenizer, hidden=32, layers=1, heads=4, seed=0)
    torch.manual_seed(0)
    return OutcomeCritic(policy.model, policy.tokenizer, policy.is_encoder_decoder, 4).eval()


def _batch(critic, prompts, programs):
    return critic_batch(critic.tokenizer, prompts, programs, critic.is_encoder_decoder, "cpu")


def test_outcome_classes_follow_coderl():
    assert [outcome_class(v, 4) for v in ("compile_error", "runtime_error", "timeout")] == [0, 1, 1]
    assert [outcome_class(v, 4) for v in ("memory_limit", "wrong_answer", "passed")] == [1, 2, 3]
    assert [outcome_class(v, 2) for v in ("compile_error", "wrong_answer", "passed")] == [0, 0, 1]
    assert outcome_class("infra_error", 4) is None and outcome_class("infra_error", 2) is None
    assert OUTCOME_CLASSES[4][3] == OUTCOME_CLASSES[2][1] == "passed"
    with pytest.raises(ValueError):
        outcome_class("accepted", 4)


def test_critic_batch_layout(critic):
    batch = _batch(critic, PROMPTS, PROGRAMS)
    # prompts left-padded, programs right-padded, each program ends with eos
    assert batch.prompt_mask[:, -1].all() and batch.program_mask[:, 0].all()
    lengths = batch.program_mask.sum(1)
    assert lengths[1] > lengths[0]
    assert int(batch.program_ids[0, lengths[0] - 1]) == critic.tokenizer.eos_token_id
    assert not batch.program_mask[0, lengths[0] :].any()


def test_pooling_ignores_padding(critic):
    """The short program alone and padded next to a longer one: the same prediction."""
    with torch.no_grad():
        alone = critic(_batch(critic, PROMPTS[:1], PROGRAMS[:1]))
        padded = critic(_batch(critic, PROMPTS, PROGRAMS))
    assert padded.logits.shape == (2, 4)
    torch.testing.assert_close(padded.logits[0], alone.logits[0], atol=1e-5, rtol=1e-5)
    # the pooled logits are the max over real program tokens, never over padding
    batch = _batch(critic, PROMPTS, PROGRAMS)
    real = int(batch.program_mask[0].sum())
    expected = padded.token_logits[0, :real].amax(0)
    torch.testing.assert_close(padded.logits[0], expected)


def test_padding_tokens_do_not_reach_the_prediction(critic):
    """Other token ids at the padding positions change the padding's logits, not the pooled."""
    batch = _batch(critic, PROMPTS, PROGRAMS)
    pad = batch.program_mask == 0
    assert pad.any()
    noisy = replace(batch, program_ids=batch.program_ids.masked_fill(pad, 7))
    with torch.no_grad():
        out, noisy_out = critic(batch), critic(noisy)
    assert not torch.allclose(out.token_logits[pad], noisy_out.token_logits[pad])
    torch.testing.assert_close(out.logits, noisy_out.logits)


def test_token_scores_shape_range_and_mask(critic):
    batch = _batch(critic, PROMPTS, PROGRAMS)
    with torch.no_grad():
        scores = critic.token_scores(batch, torch.tensor([3, 0]))
        all_classes = sum(critic.token_scores(batch, c) for c in range(4))
    assert scores.shape == batch.program_ids.shape
    real = batch.program_mask.bool()
    assert torch.all(scores[~real] == 0)
    assert torch.all((scores[real] > 0) & (scores[real] < 1))
    # the class probabilities of a real token sum to one
    torch.testing.assert_close(all_classes[real], torch.ones(int(real.sum())))
    with torch.no_grad():
        probs = torch.softmax(critic(batch).token_logits, -1)
    torch.testing.assert_close(scores[0][real[0]], probs[0, real[0], 3])


def test_save_and_load_round_trip(critic, tmp_path):
    critic.save_pretrained(tmp_path / "critic")
    loaded = OutcomeCritic.from_pretrained(tmp_path / "critic")
    assert loaded.num_classes == 4 and loaded.is_encoder_decoder == critic.is_encoder_decoder
    assert not loaded.training
    batch = _batch(critic, PROMPTS, PROGRAMS)
    with torch.no_grad():
        torch.testing.assert_close(loaded(batch).logits, critic(batch).logits)


def test_from_backbone_builds_a_fresh_binary_head(tmp_path, tokenizer):
    policy = build_tiny_causal(tokenizer=tokenizer, hidden=32, layers=1, heads=4, seed=0)
    policy.model.save_pretrained(tmp_path / "m")
    policy.tokenizer.save_pretrained(tmp_path / "m")
    critic = OutcomeCritic.from_backbone(str(tmp_path / "m"), num_classes=2)
    assert critic.training and critic.head[-1].out_features == 2
    batch = critic_batch(critic.tokenizer, PROMPTS, PROGRAMS, False, "cpu")
    assert critic(batch).logits.shape == (2, 2)


def test_bad_inputs_are_named(tmp_path, tokenizer):
    with pytest.raises(CoderlError, match="critic folder"):
        OutcomeCritic.from_pretrained(tmp_path)
    with pytest.raises(CoderlError, match="2 prompts but 1 programs"):
        critic_batch(tokenizer, PROMPTS, PROGRAMS[:1], False, "cpu")
