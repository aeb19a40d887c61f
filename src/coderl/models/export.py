"""Export any loadable policy (a GGUF above all) as a float ``save_pretrained`` folder.

GGUF weights are quantized; training needs float weights, and plain transformers users
need a folder. The folder holds model and tokenizer (with its chat template), so
``AutoModelForCausalLM.from_pretrained(out_dir)`` and ``load_policy(out_dir)`` both read it.
"""

from __future__ import annotations

from pathlib import Path

from coderl.models.loading import load_policy

EXPORT_DTYPES = ("auto", "float32", "bfloat16", "float16")  # auto: float32


def export_policy(name_or_path: str, out_dir: str | Path, *, dtype: str = "float32") -> Path:
    """Write ``name_or_path`` to ``out_dir`` in ``dtype``; returns ``out_dir``."""
    if dtype not in EXPORT_DTYPES:
        raise ValueError(f"export dtype {dtype!r}; use one of {', '.join(EXPORT_DTYPES)}")
    policy = load_policy(name_or_path, dtype=dtype, for_training=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    policy.model.save_pretrained(out)
    policy.tokenizer.save_pretrained(out)
    return out
