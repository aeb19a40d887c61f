"""Errors caused by the user's input. The CLI prints them as one line, without a traceback;
every message names the file, line, field or problem id at fault and what to do."""


class CoderlError(Exception):
    """Base of all user-facing errors."""


class DataError(CoderlError):
    """A dataset file or row that cannot be loaded (message names the file and line)."""


class ConfigError(CoderlError, ValueError):
    """A config file or override that does not fit its dataclass."""
