"""Errors that fakebench reports to users.

Every error a user can cause (a bad path, an unknown name, a corrupt file) is a
:class:`FakebenchError`. The CLI prints it as one line, ``Error: <message>``, followed
by the hint when there is one; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations


class FakebenchError(Exception):
    """Base class for errors a user can act on.

    ``hint`` says what to do about it; it is printed after the message.
    """

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UnknownPluginError(FakebenchError, KeyError):
    """A plugin name that is not registered."""

    def __str__(self) -> str:  # KeyError would repr() the message otherwise
        return FakebenchError.__str__(self)


class PluginError(FakebenchError):
    """A plugin that cannot be registered."""


class DuplicatePluginError(PluginError):
    """Two plugins registered the same name for the same kind."""


class InvalidPluginError(PluginError):
    """A registered class that breaks its kind's contract (no ``name``, or not a subclass
    of the kind's base class)."""


class DatasetError(FakebenchError):
    """A dataset layout, protocol or manifest problem; names the file and line."""


class AudioError(FakebenchError):
    """An audio file that cannot be decoded or is unusable; names the file."""


class WeightsError(FakebenchError):
    """Model weights that are missing, corrupt or do not match; names the file."""


class ConfigError(FakebenchError):
    """An option or --set value that is invalid."""


class CacheError(FakebenchError):
    """The embedding cache cannot be read or written."""


class MetricError(FakebenchError):
    """A metric that is undefined for the given input (e.g. EER with one class)."""
