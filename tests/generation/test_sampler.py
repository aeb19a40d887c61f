import dataclasses

import pytest
import torch

from coderl.generation import Sampler, SamplingConfig
from coderl.generation.processing import processed_logprobs
from coderl.generation.stops import decode
from coderl.models import build_tiny_causal, build_tiny_seq2seq

torch.set_num_threads(1)

PROMPTS = ["def add(a, b):\n", "x", "import sys\nfor line in sys.stdin:\n    print(line"]
SAMPLED = SamplingConfig(n=3, temperature=0.7, top_k=8, top_p=0.9, max_new_tokens=12, batch_size=4)


@pytest.fixture(scope="module")
def causal():
    return build_tiny_causal(seed=1)


@pytest.fixture(scope="module")
def seq2seq():
    return build_tiny_seq2seq(seed=1)


def fresh_logits(policy, prompt, token_ids):
    """Logits (T, V) for each generated token, from one unpadded forward pass."""
    prompt_ids = policy.tokenizer(prompt).input_ids
    with torch.no_grad():
        if policy.is_encoder_decoder:
            start = policy.model.config.decoder_start_token_id
            decoder_ids = torch.tensor([[start, *token_ids[:-1]]])
            return policy.model(
                input_ids=torch.tensor([prompt_ids]), decoder_input_ids=decoder_ids
            ).logits[0]
        ids = torch.tensor([prompt_ids + list(token_ids)])
        return policy.model(ids).logits[0, len(prompt_ids) - 1 : -1]


@pytest.mark.parametrize("arch", ["causal", "seq2seq"])
def test_logprobs_are_those_of_the_processed_distribution(arch, request):
    policy = request.getfixturevalue(arch)
    # a stop on a common character ends rows at different steps, so rows leave the batch
    config = dataclasses.replace(SAMPLED, stop=("e",))
    results = Sampler(policy, config).sample(PROMPTS)
    assert [len(r) for r in results] == [3, 3, 3]
    for prompt, samples in zip(PROMPTS, results):
        for j, sample in enumerate(samples):
            assert (sample.prompt_index, sample.sample_index) == (PROMPTS.index(prompt), j)
            logits = fresh_logits(policy, prompt, sample.token_ids)
            tokens = torch.tensor(sample.token_ids).unsqueeze(-1)
            processed = processed_logprobs(logits, 0.7, 8, 0.9).gather(-1, tokens).squeeze(-1)
            torch.testing.assert_close(torch.tensor(sample.logprobs), processed, atol=1e-4, rtol=0)
            top8 = logits.topk(8, dim=-1).indices
            assert (top8 == tokens).any(-1).all()  # drawn from the top-k only
            raw = logits.log_softmax(-1).gather(-1, tokens).squeeze(-1)
            assert not torch.allclose(processed, raw, atol=1e-3)  # not the full softmax


def test_greedy_logprobs_are_raw_and_match_hf_generate(causal):
    config = SamplingConfig(n=2, greedy=True, max_new_tokens=10)
    results = Sampler(causal, config).sample(PROMPTS)
    for prompt, (first, second) in zip(PROMPTS, results):
        assert first.token_ids == second.token_ids and second.sample_index == 1
        logits = fresh_logits(causal, prompt, first.token_ids)
        assert logits.argmax(-1).tolist() == list(first.token_ids)
        raw = logits.log_softmax(-1).gather(-1, torch.tensor(first.token_ids)[:, None])
        torch.testing.assert_close(torch.tensor(first.logprobs), raw.squeeze(-1), atol=1e-4, rtol=0)
        ids = torch.tensor([causal.tokenizer(prompt).input_ids])
        reference = causal.model.generate(
            ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=10
        )
        assert reference[0, ids.shape[1] :].tolist() == list(first.token_ids)


def test_samples_depend_only_on_seed_prompt_and_index(causal):
    base = Sampler(causal, SAMPLED).sample(PROMPTS)
    torch.manual_seed(123)
    one_by_one = Sampler(causal, dataclasses.replace(SAMPLED, batch_size=1)).sample(
        ["unrelated prompt", PROMPTS[2]]
    )
    assert [s.token_ids for s in one_by_one[1]] == [s.token_ids for s in base[2]]
    assert len({s.token_ids for s in base[0]}) > 1  # the n samples differ
    other_seed = Sampler(causal, SAMPLED).sample(PROMPTS, seed=7)
    assert [s.token_ids for s in other_seed[0]] != [s.token_ids for s in base[0]]
    assert Sampler(causal, dataclasses.replace(SAMPLED, seed=7)).sample(PROMPTS) == other_seed


def test_stop_cuts_text_and_keeps_the_completing_token(causal):
    free = Sampler(causal, dataclasses.replace(SAMPLED, max_new_tokens=30)).sample(PROMPTS)
    full = free[0][0]
    stop = full.text[10:13]
    stopped = Sampler(causal, dataclasses.replace(SAMPLED, max_new_tokens=30, stop=(stop,)))
    sample = stopped.sample(PROMPTS)[0][0]
    assert sample.finished
    assert sample.text == full.text[: full.text.index(stop)]
    assert full.token_ids[: len(sample.token_ids)] == sample.token_ids
    decoded = decode(causal.tokenizer, sample.token_ids)
    assert decoded.index(stop) == len(sample.text)  # the last token completed the stop
    assert stop not in decode(causal.tokenizer, sample.token_ids[:-1])
    assert len(sample.logprobs) == len(sample.token_ids)


def test_eos_ends_a_sample_and_is_kept(causal):
    free = Sampler(causal, SAMPLED).sample(PROMPTS)[1][0]
    assert not free.finished and len(free.token_ids) == SAMPLED.max_new_tokens
    eos_like = free.token_ids[4]
    config = causal.model.generation_config
    saved = config.eos_token_id
    config.eos_token_id = [saved, eos_like]
    try:
        sample = Sampler(causal, SAMPLED).sample(PROMPTS)[1][0]
    finally:
        config.eos_token_id = saved
    assert sample.finished
    cut = free.token_ids.index(eos_like) + 1
    assert sample.token_ids == free.token_ids[:cut]


def test_restores_training_mode(causal):
    causal.model.train()
    try:
        Sampler(causal, SamplingConfig(max_new_tokens=2)).sample(["x"])
        assert causal.model.training
    finally:
        causal.model.eval()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n", 0, "samples per prompt"),
        ("temperature", 0.0, "greedy"),
        ("top_p", 1.5, "top_p"),
        ("stop", ("",), "empty stop"),
    ],
)
def test_config_rejects_unworkable_values(field, value, message):
    from coderl.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        SamplingConfig(**{field: value})


def test_copies_of_a_prompt_get_different_samples(causal):
    config = dataclasses.replace(SAMPLED, n=1, stop=(), batch_size=8)
    copies = Sampler(causal, config).sample([PROMPTS[0]] * 8)
    assert len({group[0].token_ids for group in copies}) == 8
    # the first copy is what the prompt gets alone; copy m is occurrence m
    alone = Sampler(causal, config).sample([PROMPTS[0]])
    assert copies[0][0].token_ids == alone[0][0].token_ids  # logprobs: up to batch-shape rounding
    fifth = Sampler(causal, config).sample([PROMPTS[0]], occurrences=[5])[0][0]
    assert fifth.token_ids == copies[5][0].token_ids
    with pytest.raises(ValueError, match="occurrences"):
        Sampler(causal, config).sample(PROMPTS, occurrences=[0])


def test_n_samples_of_repeated_prompts_all_differ_whatever_the_batch_size(causal):
    prompts = [PROMPTS[1], PROMPTS[0], PROMPTS[1]]
    results = {
        batch_size: Sampler(
            causal, dataclasses.replace(SAMPLED, n=4, batch_size=batch_size)
        ).sample(prompts)
        for batch_size in (1, 3, 16)
    }
    base = results[16]
    assert len({s.token_ids for i in (0, 2) for s in base[i]}) == 8
    for other in (results[1], results[3]):
        assert [[s.token_ids for s in g] for g in other] == [[s.token_ids for s in g] for g in base]


def test_samples_carry_the_prompt_ids_the_model_saw(causal, seq2seq):
    for policy in (causal, seq2seq):
        results = Sampler(policy, SAMPLED).sample(PROMPTS)
        for prompt, samples in zip(PROMPTS, results):
            ids = tuple(policy.tokenizer(prompt).input_ids)
            assert all(s.prompt_token_ids == ids for s in samples)
    empty = Sampler(causal, dataclasses.replace(SAMPLED, greedy=True)).sample([""])[0]
    assert all(s.prompt_token_ids == (causal.tokenizer.bos_token_id,) for s in empty)
