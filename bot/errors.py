"""One root for every error Wegwijzer raises on purpose; foreign errors are translated where caught."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class WegwijzerError(Exception):
    """Base of all of Wegwijzer's own errors. Messages never contain personal data or secrets."""


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """One thing wrong in the settings: the key, and one line naming the fix (never a secret)."""

    key: str
    message: str

    def __str__(self) -> str:
        return self.message


class SettingsError(WegwijzerError):
    """Settings are missing or malformed. One line per problem, each naming its key and the fix.

    `problems` holds every problem found, not just the first.
    """

    def __init__(self, problems: str | Sequence[SettingProblem]) -> None:
        if isinstance(problems, str):
            problems = [SettingProblem("", problems)]
        self.problems: tuple[SettingProblem, ...] = tuple(problems)
        super().__init__("\n".join(problem.message for problem in self.problems))


class FlowError(WegwijzerError):
    """The guide in flows/ cannot be loaded; `problems` lists every file:line problem."""

    def __init__(self, message: str, problems: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class StorageError(WegwijzerError):
    """The session store could not read or write. The bot keeps answering from memory."""
