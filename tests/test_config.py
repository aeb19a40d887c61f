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


def test_errors_name_the_override_that_broke_the_config(tmp_path):
    from coderl.config import Override

    path = tmp_path / "run.yaml"
    path.write_text("steps: 5\n")
    overrides = ["name=a", Override("steps", "many", "--steps many")]
    with pytest.raises(ConfigError, match=r"^--steps many: steps = 'many' is not a int"):
        load_config(Run, path, overrides)
    with pytest.raises(ConfigError, match=r"^--set optim\.schedule=linear: "):
        load_config(Run, path, ["optim.schedule=linear"])
    path.write_text("steps: x\n")  # the file is wrong on its own: it is named, not the override
    with pytest.raises(ConfigError, match=r"run\.yaml: steps = 'x'"):
        load_config(Run, path, ["name=a"])


def test_yaml_errors_name_file_and_line(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("steps: 5\noptim:\n  lr: [1\n")
    with pytest.raises(ConfigError, match=r"run\.yaml:4: not valid YAML") as caught:
        load_config(Run, path)
    assert "\n" not in str(caught.value)
    with pytest.raises(ConfigError, match=r"--set steps=\[: '\[' is not a YAML value"):
        load_config(Run, None, ["steps=["])


def test_a_missing_required_key_is_named():
    from coderl.config import MissingKeyError

    @dataclass(frozen=True)
    class Needs:
        model: str
        steps: int = 1

    with pytest.raises(MissingKeyError, match="missing required key 'model'") as caught:
        load_config(Needs, None, ["steps=2"])
    assert caught.value.key == "model"


def test_key_default_reads_nested_defaults():
    from coderl.config import key_default

    assert key_default(Tuned, "optim.lr") == 3e-3
    assert key_default(Run, "optim.schedule") == "cosine"
    assert key_default(Run, "steps") == 10


@dataclass(frozen=True)
class Command:
    out: str
    k: int = 1
    a: str | None = None
    b: str | None = None

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ConfigError(f"k = {self.k}: use 1 or more")
        if self.a and self.b:
            raise ConfigError("give a or b, not both")


def test_cross_field_errors_blame_the_right_source(tmp_path):
    """Checks that run only once every required key is there still name their cause, not the
    option that happened to complete the config."""
    from coderl.config import Override

    out = Override("out", "x", "--out x")
    with pytest.raises(ConfigError, match=r"^--a 1 and --b 2: give a or b"):
        load_config(Command, None, [Override("a", "1", "--a 1"), Override("b", "2", "--b 2"), out])
    with pytest.raises(ConfigError, match=r"^--set k=0: k = 0"):
        load_config(Command, None, ["k=0", out])
    path = tmp_path / "c.yaml"
    path.write_text("k: 0\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: k = 0"):
        load_config(Command, path, [Override("a", "1", "--a 1"), out])
