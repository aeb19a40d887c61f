"""Tiny randomly initialised models with a locally trained tokenizer, for tests and demos.

Nothing is downloaded: the tokenizer is `train_code_tokenizer` on the built-in code corpus
(or on ``tokenizer`` when one is passed), and weights come from ``seed``.
"""

from __future__ import annotations

import torch
from transformers import LlamaConfig, LlamaForCausalLM, T5Config, T5ForConditionalGeneration

from coderl.models.policy import Policy
from coderl.models.tokenizer import train_code_tokenizer


def build_tiny_causal(
    vocab_size: int = 512,
    hidden: int = 64,
    layers: int = 2,
    heads: int = 4,
    seed: int = 0,
    tokenizer=None,
    max_positions: int = 2048,
) -> Policy:
    """A Llama-architecture causal LM of a few hundred thousand parameters, in eval mode."""
    tokenizer = tokenizer if tokenizer is not None else train_code_tokenizer(vocab_size=vocab_size)
    tokenizer.padding_side = "left"
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 4,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=max_positions,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    model.eval()
    return Policy(model=model, tokenizer=tokenizer, is_encoder_decoder=False, name="tiny-causal")


def build_tiny_seq2seq(
    vocab_size: int = 512,
    hidden: int = 64,
    layers: int = 2,
    heads: int = 4,
    seed: int = 0,
    tokenizer=None,
) -> Policy:
    """A T5-architecture encoder-decoder LM (``layers`` in each stack), in eval mode.

    The decoder starts from the pad token, as T5 does.
    """
    tokenizer = tokenizer if tokenizer is not None else train_code_tokenizer(vocab_size=vocab_size)
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=hidden,
        d_kv=hidden // heads,
        d_ff=hidden * 4,
        num_layers=layers,
        num_decoder_layers=layers,
        num_heads=heads,
        dropout_rate=0.0,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = T5ForConditionalGeneration(config)
    model.eval()
    return Policy(model=model, tokenizer=tokenizer, is_encoder_decoder=True, name="tiny-seq2seq")
