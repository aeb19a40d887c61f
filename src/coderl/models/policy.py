"""`Policy`: a language model and its tokenizer, as every stage that samples or trains sees it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from transformers import BatchEncoding, PreTrainedModel


@dataclass(frozen=True)
class Policy:
    """A causal or encoder-decoder LM with its tokenizer.

    The tokenizer always has a pad token (eos when the model has none), and causal models pad
    on the left so that a batch of prompts ends at the same position and generation appends
    to all of them at once.
    """

    model: PreTrainedModel
    tokenizer: Any  # a transformers tokenizer (PreTrainedTokenizerBase)
    is_encoder_decoder: bool
    name: str

    @property
    def device(self) -> Any:
        return self.model.device

    def encode_prompts(self, prompts: list[str]) -> BatchEncoding:
        """Tokenize and pad ``prompts`` into ``input_ids``/``attention_mask`` of shape
        (len(prompts), longest), on the model's device.

        Special tokens are added as the tokenizer's own convention says (T5 appends eos;
        byte-level BPEs add nothing), so chat-rendered prompts are not given a second bos.
        """
        encoded = self.tokenizer(list(prompts), padding=True, return_tensors="pt")
        return encoded.to(self.model.device)
