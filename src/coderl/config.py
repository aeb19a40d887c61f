"""YAML configs mapped onto typed, frozen dataclasses.

Defaults and help text live once, in the dataclass (``field(metadata={"help": ...})``). A YAML
file and ``key=value`` overrides (dotted keys reach nested sections) are merged over the
defaults; an unknown key or a value of the wrong type is an error that names the key and the
file. Every run saves its resolved config with `save_config`.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from coderl.errors import ConfigError

T = TypeVar("T")


def load_config(cls: type[T], path: str | Path | None = None, overrides: list[str] = ()) -> T:
    """Build ``cls`` from defaults, then the YAML file at ``path``, then ``overrides``."""
    data: dict[str, Any] = {}
    where = "defaults"
    if path is not None:
        where = str(path)
        try:
            loaded = yaml.safe_load(Path(path).read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except yaml.YAMLError as err:
            raise ConfigError(f"{path}: not valid YAML: {err}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping of config keys")
        data = loaded or {}
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep:
            raise ConfigError(f"override {override!r} must look like key=value")
        _set_dotted(data, key.strip(), yaml.safe_load(raw))
    return _build(cls, data, where, prefix="", base=None)


def save_config(config: Any, path: str | Path) -> None:
    """Write the resolved config as YAML, next to a run's outputs."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(yaml.safe_dump(config_to_dict(config), sort_keys=False))


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


def _set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    head, _, rest = key.partition(".")
    if rest:
        section = data.setdefault(head, {})
        if not isinstance(section, dict):
            raise ConfigError(f"override {key!r}: {head!r} is not a section")
        _set_dotted(section, rest, value)
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
