"""`load_policy`: one entry point for every way a policy can be named.

A name is, in order: a built-in name (`coderl.models.registry`), a local ``save_pretrained``
folder, a local ``.gguf`` file, or a Hugging Face hub id (read from the local cache first;
the network only when the hub is not offline). Causal or encoder-decoder is read from the
model's config.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from coderl.errors import CoderlError
from coderl.models.policy import Policy
from coderl.models.registry import BUILTIN_MODELS, builtin_names, resolve_builtin

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}


@dataclass(frozen=True)
class ModelSource:
    """What ``from_pretrained`` reads: a folder or hub id, plus the file name for a GGUF."""

    path: str
    gguf_file: str | None = None
    is_local: bool = True


def resolve_source(name_or_path: str) -> ModelSource:
    """Map a built-in name, folder, ``.gguf`` file or hub id to a `ModelSource`."""
    if name_or_path in BUILTIN_MODELS:
        gguf = resolve_builtin(name_or_path)
        return ModelSource(path=str(gguf.parent), gguf_file=gguf.name)
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return ModelSource(path=str(path))
    if path.is_file():
        if path.suffix != ".gguf":
            raise CoderlError(
                f"{name_or_path}: a model file must be a .gguf; for other formats pass the "
                "save_pretrained folder that holds it"
            )
        return ModelSource(path=str(path.parent), gguf_file=path.name)
    if path.suffix == ".gguf" or name_or_path.startswith((".", "/", "~")):
        raise CoderlError(f"{name_or_path}: no such model file or folder")
    return ModelSource(path=name_or_path, is_local=False)


def resolve_device(device: str) -> torch.device:
    """``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (cuda when available)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise CoderlError(f"unknown device {device!r}; use cpu, cuda, cuda:N or auto") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise CoderlError(f"device {device!r} requested but CUDA is not available; use cpu")
    return resolved


def resolve_dtype(dtype: str, device: torch.device, for_training: bool) -> torch.dtype:
    """``auto`` is float32 on CPU and for training (half-precision CPU kernels are slow, and
    optimizer updates need float32 master weights; GGUF weights are dequantized anyway), and
    bfloat16 (float16 where unsupported) for inference on GPU."""
    if dtype == "auto":
        if device.type == "cpu" or for_training:
            return torch.float32
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if dtype not in DTYPES:
        raise CoderlError(f"unknown dtype {dtype!r}; use auto, {', '.join(DTYPES)}")
    return DTYPES[dtype]


def quiet_progress_bars() -> None:
    """Turn off transformers' and the hub's own progress bars (weight loading, shard writing):
    they would interleave with coderl's progress output, which says what a run is doing."""
    import huggingface_hub.utils
    import transformers.utils.logging

    transformers.utils.logging.disable_progress_bar()
    huggingface_hub.utils.disable_progress_bars()


def load_policy(
    name_or_path: str, *, device: str = "cpu", dtype: str = "auto", for_training: bool = False
) -> Policy:
    """Load model and tokenizer; eval mode unless ``for_training``.

    A GGUF is unpacked to float weights when ``for_training`` (or when no GGUF kernel serves
    the device, as on CPU), and is then an ordinary model that trains and saves.

    The tokenizer gets eos as its pad token when it has none, and causal models pad on the
    left (see `Policy`).
    """
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

    quiet_progress_bars()
    source = resolve_source(name_or_path)
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device, for_training)
    config = _from_pretrained(AutoConfig, source, name_or_path)
    is_encoder_decoder = bool(getattr(config, "is_encoder_decoder", False))
    auto_model = AutoModelForSeq2SeqLM if is_encoder_decoder else AutoModelForCausalLM
    extra: dict[str, Any] = {}
    if source.gguf_file is not None and for_training:
        from transformers import GgufConfig

        extra["quantization_config"] = GgufConfig(dequantize=True)
    model = _from_pretrained(
        auto_model, source, name_or_path, config=config, dtype=torch_dtype, **extra
    )
    _drop_dequantized_marker(model)
    tokenizer = _from_pretrained(AutoTokenizer, source, name_or_path)
    _set_padding(tokenizer, model, name_or_path, is_encoder_decoder)
    model.to(torch_device)
    model.train(for_training)
    return Policy(
        model=model, tokenizer=tokenizer, is_encoder_decoder=is_encoder_decoder, name=name_or_path
    )


def load_tokenizer(name_or_path: str) -> Any:
    """The tokenizer of a model named as `load_policy` takes it, without its weights (for
    counting tokens)."""
    from transformers import AutoTokenizer

    return _from_pretrained(AutoTokenizer, resolve_source(name_or_path), name_or_path)


def _drop_dequantized_marker(model: Any) -> None:
    """A GGUF whose weights were unpacked to floats is a plain model: make it one, so that it
    trains and saves like any other (transformers otherwise refuses to save a GGUF model).
    Weights that stay packed (GGUF kernels on a GPU, inference only) keep their marker."""
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None and getattr(quantizer.quantization_config, "dequantize", False):
        quantizer.remove_quantization_config(model)


def _set_padding(tokenizer: Any, model: Any, name: str, is_encoder_decoder: bool) -> None:
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise CoderlError(f"{name}: the tokenizer has neither a pad nor an eos token")
        tokenizer.pad_token = tokenizer.eos_token
    if not is_encoder_decoder:
        tokenizer.padding_side = "left"
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    if model.generation_config is not None and model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id


def _hub_offline() -> bool:
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE", ""), os.environ.get("TRANSFORMERS_OFFLINE", ""))
    return constants.HF_HUB_OFFLINE or any(f.upper() in ("1", "ON", "YES", "TRUE") for f in flags)


def _from_pretrained(cls: Any, source: ModelSource, name: str, **kwargs: Any) -> Any:
    """``cls.from_pretrained`` from the local files (or cache) first, then the hub if online."""
    if source.gguf_file is not None:
        kwargs["gguf_file"] = source.gguf_file
    try:
        return cls.from_pretrained(source.path, local_files_only=True, **kwargs)
    except (OSError, ValueError) as err:
        if source.is_local:
            raise CoderlError(f"{name}: {cls.__name__} cannot load it: {err}") from None
    if not _hub_offline():
        try:
            return cls.from_pretrained(source.path, **kwargs)
        except OSError:
            pass
    raise CoderlError(
        f"model {name!r} was not found locally (not a folder, not a .gguf file, not a built-in "
        "name, not in the Hugging Face cache) and the hub could not be reached; pass a local "
        "save_pretrained folder, a .gguf file, or a built-in name "
        f"({', '.join(builtin_names())})"
    )
