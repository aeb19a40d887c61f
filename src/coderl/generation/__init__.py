"""coderl.generation: sampling programs from a policy, and turning completions into programs.

Names are imported on first use, so that reading `SamplingConfig` (the CLI's ``--help``, a
learner's config) does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SamplingConfig": "coderl.generation.config",
    "Sample": "coderl.generation.sampler",
    "Sampler": "coderl.generation.sampler",
    "processed_logprobs": "coderl.generation.processing",
    "program_from_completion": "coderl.generation.postprocess",
    "clean_completion": "coderl.generation.postprocess",
    "extract_code": "coderl.generation.postprocess",
    "generate_samples": "coderl.generation.runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'coderl.generation' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
