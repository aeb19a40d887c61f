"""`OutcomeCritic`: predicts a program's test outcome from the problem prompt and the program.

CodeRL (Le et al., 2022) puts a small MLP (d -> 128 -> ReLU -> C) on the hidden state of every
program token. The sequence prediction max-pools the per-token logits over the program's real
tokens only (the reference code also pooled padding, so padding logits often won); the token
score ``q_t = softmax(head(h_t))[outcome]`` is the critic's belief in the program's actual
outcome given the program up to and including token t.

Layout shared with `coderl.training.rollout.Rollout`: prompts left-padded, programs
right-padded. A causal backbone reads ``prompt + program``; an encoder-decoder backbone reads
the prompt in its encoder and is teacher-forced on the program in its decoder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from coderl.errors import CoderlError
from coderl.rewards.outcomes import OUTCOME_CLASSES

HEAD_FILE = "critic_head.safetensors"
META_FILE = "critic.json"
HEAD_WIDTH = 128


@dataclass(frozen=True)
class CriticBatch:
    """B (prompt, program) pairs.

    prompt_ids, prompt_mask: [B, P], left-padded (right-padding also works for an encoder).
    program_ids, program_mask: [B, T], right-padded; the mask is 1 on real program tokens.
    """

    prompt_ids: torch.Tensor
    prompt_mask: torch.Tensor
    program_ids: torch.Tensor
    program_mask: torch.Tensor

    def to(self, device: torch.device | str) -> CriticBatch:
        return CriticBatch(
            self.prompt_ids.to(device),
            self.prompt_mask.to(device),
            self.program_ids.to(device),
            self.program_mask.to(device),
        )


@dataclass(frozen=True)
class CriticOutput:
    """logits: [B, C], max-pooled over real program tokens; token_logits: [B, T, C] (rows of
    padding positions are meaningless: use ``program_mask``)."""

    logits: torch.Tensor
    token_logits: torch.Tensor


def critic_batch(
    tokenizer: Any,
    prompts: list[str],
    programs: list[str],
    is_encoder_decoder: bool,
    device: torch.device | str,
    max_prompt_tokens: int | None = None,
    max_program_tokens: int | None = None,
) -> CriticBatch:
    """Tokenize pairs the way the sampler and the SFT data do: the prompt with the tokenizer's
    special tokens, the program without them plus eos (so an empty program still has a token).

    Over-long prompts keep their last ``max_prompt_tokens`` tokens; programs their first
    ``max_program_tokens``. ``is_encoder_decoder`` does not change the layout (the encoder
    reads the left-padded prompt under its mask); it is taken for symmetry with the model.
    """
    del is_encoder_decoder
    if len(prompts) != len(programs):
        raise CoderlError(f"{len(prompts)} prompts but {len(programs)} programs")
    if not prompts:
        raise CoderlError("critic_batch needs at least one (prompt, program) pair")
    eos = tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos
    if eos is None:
        raise CoderlError("the critic's tokenizer has no eos token to end programs")
    prompt_rows = [tokenizer(p, add_special_tokens=True)["input_ids"] for p in prompts]
    program_rows = [[*tokenizer(p, add_special_tokens=False)["input_ids"], eos] for p in programs]
    if max_prompt_tokens is not None:
        prompt_rows = [row[-max_prompt_tokens:] for row in prompt_rows]
    if max_program_tokens is not None:
        program_rows = [row[:max_program_tokens] for row in program_rows]
    prompt_ids, prompt_mask = _pad(prompt_rows, pad, left=True)
    program_ids, program_mask = _pad(program_rows, pad, left=False)
    return CriticBatch(prompt_ids, prompt_mask, program_ids, program_mask).to(device)


def _pad(rows: list[list[int]], pad: int, left: bool) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(row) for row in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, row in enumerate(rows):
        span = slice(width - len(row), width) if left else slice(0, len(row))
        ids[i, span] = torch.tensor(row, dtype=torch.long)
        mask[i, span] = 1
    return ids, mask


class OutcomeCritic(torch.nn.Module):
    """A backbone LM (causal or encoder-decoder) with an outcome head on its program tokens.

    The head is kept in float32 whatever the backbone's dtype, so that small logit
    differences (which calibration and q_t depend on) survive a bfloat16 backbone.
    """

    def __init__(
        self, backbone: Any, tokenizer: Any, is_encoder_decoder: bool, num_classes: int = 4
    ) -> None:
        super().__init__()
        if num_classes not in OUTCOME_CLASSES:
            raise CoderlError(f"num_classes must be 2 or 4, not {num_classes}")
        self.backbone = backbone
        self.tokenizer = tokenizer
        self.is_encoder_decoder = is_encoder_decoder
        self.num_classes = num_classes
        hidden = backbone.config.get_text_config().hidden_size
        self.head = torch.nn.Sequential(
            torch.nn.Linear(hidden, HEAD_WIDTH),
            torch.nn.ReLU(),
            torch.nn.Linear(HEAD_WIDTH, num_classes),
        ).to(device=backbone.device, dtype=torch.float32)

    @property
    def device(self) -> torch.device:
        return self.backbone.device

    @property
    def class_names(self) -> tuple[str, ...]:
        return OUTCOME_CLASSES[self.num_classes]

    @classmethod
    def from_backbone(
        cls,
        name_or_path: str,
        num_classes: int = 4,
        dtype: str = "auto",
        device: str = "cpu",
        for_training: bool = True,
    ) -> OutcomeCritic:
        """A fresh head (from torch's global RNG) on any model `load_policy` can load."""
        from coderl.models.loading import load_policy

        policy = load_policy(name_or_path, device=device, dtype=dtype, for_training=for_training)
        critic = cls(policy.model, policy.tokenizer, policy.is_encoder_decoder, num_classes)
        return critic.train(for_training)

    @classmethod
    def from_pretrained(
        cls, path: str | Path, dtype: str = "auto", device: str = "cpu", for_training: bool = False
    ) -> OutcomeCritic:
        """Load a `save_pretrained` folder: the backbone as plain transformers saves it, plus
        ``critic_head.safetensors`` and ``critic.json``."""
        from coderl.models.loading import load_policy

        folder = Path(path)
        meta_path, head_path = folder / META_FILE, folder / HEAD_FILE
        if not meta_path.is_file() or not head_path.is_file():
            raise CoderlError(
                f"{folder}: not a critic folder (needs {META_FILE} and {HEAD_FILE}; "
                "train one with `coderl train critic`)"
            )
        meta = json.loads(meta_path.read_text())
        policy = load_policy(str(folder), device=device, dtype=dtype, for_training=for_training)
        critic = cls(
            policy.model, policy.tokenizer, policy.is_encoder_decoder, int(meta["num_classes"])
        )
        critic.head.load_state_dict(load_file(str(head_path), device=str(critic.device)))
        return critic.train(for_training)

    def save_pretrained(self, path: str | Path) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        self.backbone.save_pretrained(folder)
        self.tokenizer.save_pretrained(folder)
        self.save_head(folder)

    def save_head(self, path: str | Path) -> None:
        """Only the head files, into a folder that already holds the backbone (a training
        checkpoint's step folder)."""
        folder = Path(path)
        head = {k: v.detach().cpu().contiguous() for k, v in self.head.state_dict().items()}
        save_file(head, str(folder / HEAD_FILE))
        meta = {"num_classes": self.num_classes, "classes": list(self.class_names)}
        (folder / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")

    def forward(self, batch: CriticBatch) -> CriticOutput:
        token_logits = self.head(self._program_hidden(batch).float())
        real = batch.program_mask.bool().unsqueeze(-1)
        if not bool(real.any(dim=1).all()):
            raise CoderlError("every program in a critic batch needs at least one token")
        pooled = token_logits.masked_fill(~real, float("-inf")).amax(dim=1)
        return CriticOutput(logits=pooled, token_logits=token_logits)

    def token_scores(self, batch: CriticBatch, outcome: int | torch.Tensor) -> torch.Tensor:
        """q_t: [B, T], the probability of ``outcome`` (one class, or [B] classes) after each
        program token; 0 on padding."""
        probs = torch.softmax(self(batch).token_logits, dim=-1)
        if isinstance(outcome, int):
            outcome = torch.full((probs.shape[0],), outcome, dtype=torch.long)
        index = outcome.to(device=probs.device, dtype=torch.long).view(-1, 1, 1)
        index = index.expand(-1, probs.shape[1], 1)
        scores = probs.gather(-1, index).squeeze(-1)
        return scores * batch.program_mask.to(scores.dtype)

    def _program_hidden(self, batch: CriticBatch) -> torch.Tensor:
        """Last-layer hidden states [B, T, d] at the program tokens (each sees itself)."""
        # imported here: coderl.generation imports coderl.models
        from coderl.generation.decoding import accepts, position_ids

        model = self.backbone
        if self.is_encoder_decoder:
            start = model.config.decoder_start_token_id
            start = model.config.pad_token_id if start is None else start
            program = batch.program_ids
            decoder_input = torch.cat([torch.full_like(program[:, :1], start), program], dim=1)
            decoder_mask = torch.cat(
                [torch.ones_like(batch.program_mask[:, :1]), batch.program_mask], dim=1
            )
            out = model(
                input_ids=batch.prompt_ids,
                attention_mask=batch.prompt_mask,
                decoder_input_ids=decoder_input,
                decoder_attention_mask=decoder_mask,
                output_hidden_states=True,
            )
            return out.decoder_hidden_states[-1][:, 1:]
        input_ids = torch.cat([batch.prompt_ids, batch.program_ids], dim=1)
        mask = torch.cat([batch.prompt_mask, batch.program_mask], dim=1)
        kwargs: dict[str, Any] = {}
        if accepts(model, "position_ids"):  # left padding must not shift positions
            kwargs["position_ids"] = position_ids(mask)
        if accepts(model, "logits_to_keep"):  # the LM head's vocabulary logits are unused
            kwargs["logits_to_keep"] = 1
        out = model(input_ids=input_ids, attention_mask=mask, output_hidden_states=True, **kwargs)
        return out.hidden_states[-1][:, -batch.program_ids.shape[1] :]
