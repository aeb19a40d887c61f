from dataclasses import dataclass, field
from typing import Literal

import pytest

from coderl.config import describe_config, load_config, save_config
from coderl.errors import ConfigError


@dataclass(frozen=True)
class Optim:
    lr: float = field(default=1e-4, metadata={"help": "learning rate"})
    schedule: Literal["constant", "cosine"] = "cosine"


@dataclass(frozen=True)
class Run:
    steps: int = 10
    name: str | None = None
    stops: tuple[str, ...] = ("\ndef ",)
    optim: Optim = field(default_factory=Optim)


def test_yaml_and_overrides_merge_over_defaults(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("steps: 5\noptim:\n  lr: 1\n")
    config = load_config(Run, path, ["optim.schedule=constant", "name=demo"])
    assert config == Run(steps=5, name="demo", optim=Optim(lr=1.0, schedule="constant"))
    assert isinstance(config.optim.lr, float)


def test_exponent_without_a_dot_is_a_float(tmp_path):
    """YAML 1.1 (PyYAML) reads `1e-3` as a string; a float field takes it as a number."""
    path = tmp_path / "run.yaml"
    path.write_text("optim:\n  lr: 1e-3\n")
    assert load_config(Run, path).optim.lr == 1e-3
    assert load_config(Run, None, ["optim.lr=3E-4"]).optim.lr == 3e-4
    with pytest.raises(ConfigError, match=r"optim\.lr"):
        load_config(Run, None, ["optim.lr=fast"])
    assert load_config(Run, None, ["name=1e-3"]).name == "1e-3"  # only float fields convert
    with pytest.raises(ConfigError, match="steps"):
        load_config(Run, None, ["steps=1e3"])


def test_unknown_key_names_key_and_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("optim:\n  learning_rate: 1e-3\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml.*optim\.learning_rate"):
        load_config(Run, path)


def test_wrong_type_and_bad_choice_are_errors():
    with pytest.raises(ConfigError, match="steps"):
        load_config(Run, None, ["steps=many"])
    with pytest.raises(ConfigError, match="constant"):
        load_config(Run, None, ["optim.schedule=linear"])


def test_saved_config_loads_back(tmp_path):
    config = Run(steps=3, stops=("\nclass ",))
    save_config(config, tmp_path / "config.yaml")
    assert load_config(Run, tmp_path / "config.yaml") == config


def test_missing_file_is_clear(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(Run, tmp_path / "nope.yaml")


@dataclass(frozen=True)
class Tuned:
    optim: Optim = field(default_factory=lambda: Optim(lr=3e-3, schedule="constant"))


def test_overriding_one_key_keeps_the_parents_section_defaults():
    config = load_config(Tuned, None, ["optim.schedule=cosine"])
    assert config.optim == Optim(lr=3e-3, schedule="cosine")
    assert load_config(Tuned) == Tuned()


def test_describe_shows_the_parents_section_defaults():
    text = describe_config(Tuned)
    assert "optim.lr = 0.003" in text and "optim.schedule = 'constant'" in text
