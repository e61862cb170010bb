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


class DeliveryError(WegwijzerError):
    """A transport could not deliver a reply as asked; the subclass names what happened."""


class Unreachable(DeliveryError):
    """The chat service could not take the reply (down, overloaded, no connection): hold it."""


class RetryLater(Unreachable):
    """The chat service asked us to wait `seconds` before sending to this chat again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"asked to wait {seconds:.1f} s before sending again")
        self.seconds = seconds


class Blocked(DeliveryError):
    """The user blocked the bot or left the chat: nothing more can be sent there."""


class NotModified(DeliveryError):
    """An edit would not change the message: it already shows this reply."""


class Refused(DeliveryError):
    """The request was refused as malformed or too late (a message too old to edit or gone)."""
