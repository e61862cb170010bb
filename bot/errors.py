"""One root for every error Wegwijzer raises on purpose; foreign errors are translated where caught."""

from __future__ import annotations


class WegwijzerError(Exception):
    """Base of all of Wegwijzer's own errors. Messages never contain personal data or secrets."""


class SettingsError(WegwijzerError):
    """A setting is missing or malformed. The message names the key and how to fix it."""


class FlowError(WegwijzerError):
    """The guide in flows/ cannot be loaded; `problems` lists every file:line problem."""

    def __init__(self, message: str, problems: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class StorageError(WegwijzerError):
    """The session store could not read or write. The bot keeps answering from memory."""
