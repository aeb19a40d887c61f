"""The frozen reference policy of a KL penalty (GRPO with beta > 0, PPO).

The reference is the *starting* policy. It is loaded from the run's ``model``, never copied
from the policy in memory: a resumed run loads its policy from its last checkpoint, and a copy
of that would move the KL anchor at every resume. With LoRA the reference is the policy itself
with its adapters off (no second copy of the weights).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from coderl.models import load_policy
from coderl.models.policy import Policy

ADAPTERS_OFF: Any = object()
"""Stands for "the policy with its LoRA adapters disabled" as the reference model."""


def reference_model(policy: Policy, model: str, lora: bool) -> Any:
    """The frozen starting policy ``model``, on the policy's device; with LoRA, `ADAPTERS_OFF`."""
    if lora:
        return ADAPTERS_OFF
    reference = load_policy(model, device=str(policy.device), dtype="float32").model
    reference.requires_grad_(False)
    return reference.eval()


@contextmanager
def as_reference(policy: Policy, reference: Any) -> Iterator[Any]:
    """The module to run as the reference: the frozen copy, or the policy with adapters off."""
    if reference is ADAPTERS_OFF:
        with policy.model.disable_adapter():
            yield policy.model
    else:
        yield reference
