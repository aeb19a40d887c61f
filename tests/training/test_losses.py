import torch
from transformers import LlamaForCausalLM

from coderl.training.losses import token_nll


def test_matches_transformers_causal_loss(tiny_causal_dir):
    model = LlamaForCausalLM.from_pretrained(tiny_causal_dir).eval()
    input_ids = torch.tensor([[5, 9, 17, 33, 41, 2]])
    labels = torch.tensor([[-100, -100, 17, 33, 41, 2]])
    out = model(input_ids=input_ids, labels=labels)
    nll, count = token_nll(out.logits, labels, causal=True)
    assert int(count) == 4
    assert torch.allclose(nll / count, out.loss, atol=1e-6)


def test_seq2seq_is_aligned_and_ignores_masked_tokens():
    logits = torch.zeros(1, 3, 4)
    logits[0, 0, 2] = 10.0
    labels = torch.tensor([[2, -100, -100]])
    nll, count = token_nll(logits, labels, causal=False)
    assert int(count) == 1
    assert float(nll) == torch.nn.functional.cross_entropy(logits[0, :1], labels[0, :1]).item()
