import math

import pytest
import torch

from coderl.generation.processing import processed_logprobs, sample_from_logprobs

LOGITS = torch.log(torch.tensor([[0.5, 0.25, 0.125, 0.125]]))


def test_no_processing_is_log_softmax():
    torch.testing.assert_close(processed_logprobs(LOGITS), LOGITS.log_softmax(-1))


def test_temperature_sharpens():
    probs = processed_logprobs(LOGITS, temperature=0.5).exp()
    expected = torch.tensor([[0.25, 0.0625, 0.015625, 0.015625]])
    torch.testing.assert_close(probs, expected / expected.sum())


def test_top_k_keeps_k_and_renormalises():
    probs = processed_logprobs(LOGITS, top_k=2).exp()
    torch.testing.assert_close(probs, torch.tensor([[2 / 3, 1 / 3, 0.0, 0.0]]))


def test_top_p_keeps_the_smallest_set_reaching_the_mass():
    assert processed_logprobs(LOGITS, top_p=0.5).exp().tolist() == [[1.0, 0.0, 0.0, 0.0]]
    probs = processed_logprobs(LOGITS, top_p=0.6).exp()
    torch.testing.assert_close(probs, torch.tensor([[2 / 3, 1 / 3, 0.0, 0.0]]))
    assert processed_logprobs(LOGITS, top_p=0.01).exp()[0, 0] == 1.0  # the top token stays


def test_top_k_ties_with_the_kth_are_kept():
    assert processed_logprobs(LOGITS, top_k=3).isfinite().all()


def test_top_k_applies_before_top_p():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    # top-k 2 leaves (0.625, 0.375), whose first token already reaches top-p 0.6;
    # top-p on the full distribution would have kept two tokens
    assert processed_logprobs(logits, top_k=2, top_p=0.6).exp().tolist() == [[1.0, 0.0, 0.0, 0.0]]


def test_inverse_cdf_sampling_follows_the_distribution_and_skips_removed_tokens():
    logprobs = processed_logprobs(LOGITS.repeat(4, 1), top_k=2)
    uniforms = torch.tensor([0.0, 0.6, 0.67, 0.999999])
    assert sample_from_logprobs(logprobs, uniforms).tolist() == [0, 0, 1, 1]
    many = torch.rand(20000, generator=torch.Generator().manual_seed(0))
    tokens = sample_from_logprobs(processed_logprobs(LOGITS.repeat(20000, 1)), many)
    assert tokens.bincount(minlength=4).tolist() == pytest.approx(
        [10000, 5000, 2500, 2500], rel=0.05
    )
    assert math.isinf(logprobs[0, 2].item())
