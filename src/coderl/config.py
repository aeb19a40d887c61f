"""YAML configs mapped onto typed, frozen dataclasses.

Defaults and help text live once, in the dataclass (``field(metadata={"help": ...})``). A YAML
file and ``key=value`` overrides (dotted keys reach nested sections) are merged over the
defaults; an unknown key or a value of the wrong type is an error that names the key and its
source: the file (and line, for bad YAML), or the override as the user typed it (``--set
KEY=VALUE``, or a command-line option mapped onto a key, see `Override`). Every run saves its
resolved config with `save_config`.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml

from coderl.errors import ConfigError

T = TypeVar("T")


@dataclass(frozen=True)
class Override:
    """One ``key=value`` set on top of a config file; ``label`` is what the user typed (an
    option such as ``--workers 0``, or ``--set judge.workers=0``), for error messages."""

    key: str
    value: Any
    label: str

    @classmethod
    def parse(cls, text: str, label: str | None = None) -> Override:
        """``key=value`` with a YAML value, as given to ``--set``."""
        label = label or f"--set {text}"
        key, sep, raw = text.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{label}: write key=value, e.g. --set sampling.n=10")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError as err:
            raise ConfigError(
                f"{label}: {raw!r} is not a YAML value ({_yaml_problem(err)})"
            ) from None
        return cls(key.strip(), value, label)


class MissingKeyError(ConfigError):
    """A required key that no source gave (the CLI names the option that sets it)."""

    def __init__(self, key: str, where: str) -> None:
        super().__init__(f"{where}: missing required key {key!r}")
        self.key = key


def load_config(
    cls: type[T], path: str | Path | None = None, overrides: Sequence[str | Override] = ()
) -> T:
    """Build ``cls`` from defaults, then the YAML file at ``path``, then ``overrides`` in order.

    An error names its source: the override(s) (their ``label``) that made the config invalid,
    else the file."""
    data = _read_yaml(path) if path is not None else {}
    where = str(path) if path is not None else "defaults"
    parsed = [o if isinstance(o, Override) else Override.parse(o) for o in overrides]
    try:
        return _build_from(cls, data, parsed, where)
    except MissingKeyError:
        raise
    except ConfigError:
        culprit = _blame(cls, data, parsed, where)
        if culprit is None:
            raise
        raise culprit from None


def _build_from(cls: type[T], data: dict[str, Any], overrides: Sequence[Override], where: str) -> T:
    merged = copy.deepcopy(data)
    for override in overrides:
        _set_dotted(merged, override.key, override.value, override.label)
    return _build(cls, merged, where, prefix="", base=None)


def _blame(
    cls: type, data: dict[str, Any], overrides: Sequence[Override], where: str
) -> ConfigError | None:
    """The error, reported under the name of the override(s) at fault: those without which the
    config builds. When no single override is (several are wrong, or the file is), the first
    source whose addition breaks the config."""
    blamed = []
    for index, override in enumerate(overrides):
        others = [*overrides[:index], *overrides[index + 1 :]]
        try:
            _build_from(cls, data, others, where)
        except ConfigError:
            continue
        blamed.append(override.label)
    if blamed:
        try:
            _build_from(cls, data, overrides, " and ".join(blamed))
        except ConfigError as err:
            return err
    return _first_failing(cls, data, overrides, where)


def _first_failing(
    cls: type, data: dict[str, Any], overrides: Sequence[Override], where: str
) -> ConfigError | None:
    """The error of the first source whose addition makes the config invalid. The overrides
    that give required keys come first (without them nothing builds), then the file, then the
    other overrides in turn."""
    required = {f.name for f in dataclasses.fields(cls) if _is_required(f)}
    context = [o for o in overrides if o.key in required]
    others = [o for o in overrides if o.key not in required]
    steps = [({}, context[:n], context[n - 1].label) for n in range(1, len(context) + 1)]
    steps.append((data, context, where))
    steps += [(data, context + others[:n], others[n - 1].label) for n in range(1, len(others) + 1)]
    for base, applied, source in steps:
        try:
            _build_from(cls, base, applied, source)
        except MissingKeyError:
            continue
        except ConfigError as err:
            return err
    return None


def _is_required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _read_yaml(path: str | Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder; give the YAML config file") from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}{line}: not valid YAML ({_yaml_problem(err)})") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of config keys")
    return loaded or {}


def _yaml_problem(err: yaml.YAMLError) -> str:
    return str(getattr(err, "problem", None) or err).splitlines()[0]


def save_config(config: Any, path: str | Path) -> None:
    """Write the resolved config as YAML, next to a run's outputs."""
    from coderl.files import write_atomic

    write_atomic(path, yaml.safe_dump(config_to_dict(config), sort_keys=False))


def config_to_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)


def describe_config(cls: type, prefix: str = "", defaults: Any = None) -> str:
    """One line per field (``key = default  help``), for ``--help`` epilogues.

    ``defaults`` is the instance whose values are shown for a nested section (a parent's
    ``default_factory`` may set other values than the section's class defaults)."""
    lines = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        default = _field_default(f, defaults)
        if dataclasses.is_dataclass(hint):
            lines.append(describe_config(hint, prefix=f"{prefix}{f.name}.", defaults=default))
            continue
        if default is dataclasses.MISSING:
            default = "(required)"
        help_text = f.metadata.get("help", "")
        lines.append(f"  {prefix}{f.name} = {default!r}  {help_text}".rstrip())
    return "\n".join(lines)


def key_default(cls: type, key: str) -> Any:
    """The default value of the dotted ``key`` (``judge.limits.cpu_time_s``) of ``cls``."""
    value: Any = None
    for name in key.split("."):
        fields = {f.name: f for f in dataclasses.fields(cls)}
        if name not in fields:
            raise KeyError(f"{cls.__name__} has no key {name!r} (in {key!r})")
        value = _field_default(fields[name], value)
        cls = typing.get_type_hints(cls)[name]
        value = None if value is dataclasses.MISSING and dataclasses.is_dataclass(cls) else value
    return value


def _set_dotted(data: dict[str, Any], key: str, value: Any, label: str) -> None:
    head, _, rest = key.partition(".")
    if rest:
        section = data.setdefault(head, {})
        if not isinstance(section, dict):
            raise ConfigError(f"{label}: {head!r} is not a section")
        _set_dotted(section, rest, value, label)
    else:
        data[head] = value


def _field_default(f: dataclasses.Field, parent: Any) -> Any:
    """The default of field ``f``: the parent instance's value, else the field's own."""
    if parent is not None:
        return getattr(parent, f.name)
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


def _build(cls: type[T], data: dict[str, Any], where: str, prefix: str, base: Any) -> T:
    """``cls`` from ``data`` over ``base`` (the defaults: an instance, or None for the class's
    own), so a nested section keeps the values its parent's default_factory gave it."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: {prefix.rstrip('.') or 'config'} must be a mapping")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key '{prefix}{unknown[0]}' for {cls.__name__}; "
            f"valid keys: {', '.join(prefix + name for name in fields)}"
        )
    kwargs = {}
    for name, value in data.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint):
            section = _field_default(fields[name], base)
            section = None if section is dataclasses.MISSING else section
            kwargs[name] = _build(hint, value, where, prefix=f"{prefix}{name}.", base=section)
        else:
            kwargs[name] = _coerce(value, hint, where, f"{prefix}{name}")
    missing = [
        name
        for name, f in fields.items()
        if name not in data
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
        and base is None
    ]
    if missing:
        raise MissingKeyError(prefix + missing[0], where)
    try:
        return cls(**kwargs) if base is None else dataclasses.replace(base, **kwargs)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{where}: {err}") from None


def _coerce(value: Any, hint: Any, where: str, key: str) -> Any:
    """Check ``value`` against a simple type hint; ints are accepted where floats are."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        for option in args:
            try:
                return _coerce(value, option, where, key)
            except ConfigError:
                continue
        raise ConfigError(f"{where}: {key} = {value!r} is not a {_type_name(hint)}")
    if origin is typing.Literal:
        if value in args:
            return value
        raise ConfigError(f"{where}: {key} = {value!r}; choose one of {list(args)}")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: {key} = {value!r} is not a list")
        item = args[0] if args else Any
        return tuple(_coerce(v, item, where, key) for v in value)
    if hint is type(None):
        if value is None:
            return None
        raise ConfigError(f"{where}: {key} = {value!r} is not null")
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, str) and _FLOAT_LITERAL.fullmatch(value.strip()):
        return float(value)  # YAML 1.1 reads `1e-3` (no dot) as a string
    if hint is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} = {value!r} is not true/false")
    if isinstance(hint, type) and not isinstance(value, hint):
        raise ConfigError(f"{where}: {key} = {value!r} is not a {_type_name(hint)}")
    return value


_FLOAT_LITERAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", str(hint))
