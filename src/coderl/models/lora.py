"""LoRA adapters (peft) on a policy: train a few low-rank matrices instead of every weight.

The reference policy of a LoRA run is the same model with its adapters disabled (no second
copy in memory). A LoRA checkpoint is peft's adapter folder (``adapter_config.json`` and
``adapter_model.safetensors``) beside the tokenizer; `merge_lora` folds the adapters into
the base weights for a plain ``save_pretrained`` folder that transformers loads alone.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from coderl.models.policy import Policy


def apply_lora(
    policy: Policy,
    r: int,
    alpha: int,
    dropout: float = 0.0,
    target_modules: tuple[str, ...] | None = None,
) -> Policy:
    """``policy`` with fresh trainable adapters; every base weight is frozen."""
    from peft import LoraConfig, TaskType, get_peft_model

    task = TaskType.SEQ_2_SEQ_LM if policy.is_encoder_decoder else TaskType.CAUSAL_LM
    config = LoraConfig(
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=list(target_modules) if target_modules else None,
        task_type=task,
    )
    return replace(policy, model=get_peft_model(policy.model, config))


def load_lora(policy: Policy, adapter_dir: str | Path, trainable: bool = True) -> Policy:
    """``policy`` (the base model) with the adapters saved in ``adapter_dir``."""
    from peft import PeftModel

    model = PeftModel.from_pretrained(policy.model, str(adapter_dir), is_trainable=trainable)
    return replace(policy, model=model)


def is_lora_checkpoint(path: str | Path) -> bool:
    return (Path(path) / "adapter_config.json").is_file()


def merge_lora(policy: Policy, out_dir: str | Path) -> Path:
    """Write ``policy`` with its adapters folded into the base weights as a plain
    ``save_pretrained`` folder (model + tokenizer); the policy itself keeps its adapters."""
    import copy

    merged: Any = copy.deepcopy(policy.model).merge_and_unload()
    out_dir = Path(out_dir)
    merged.save_pretrained(out_dir)
    policy.tokenizer.save_pretrained(out_dir)
    return out_dir
