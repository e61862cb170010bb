"""What goes into and comes out of the engine: session state, events and outcomes.

The state is a small value with no personal data: where the user stands, how they got there,
their language and role. It serialises to a plain dict for storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.flow.model import DEFAULT_LANGUAGE, LANGUAGES

MAX_BACK_STEPS = 20


class StateError(ValueError):
    """A stored state could not be read back; the caller starts the user afresh."""


@dataclass(frozen=True, slots=True)
class SessionState:
    node: str
    back: tuple[str, ...] = ()
    language: str = DEFAULT_LANGUAGE
    variables: tuple[tuple[str, str], ...] = ()
    flow_version: str = ""
    pending: str | None = None  # where to continue after a `requires` question is answered

    @property
    def variable_map(self) -> dict[str, str]:
        return dict(self.variables)

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "back": list(self.back),
            "language": self.language,
            "variables": dict(self.variables),
            "flow_version": self.flow_version,
            "pending": self.pending,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SessionState:
        try:
            node = data["node"]
            back = tuple(data.get("back", ()))
            language = data.get("language", DEFAULT_LANGUAGE)
            variables = data.get("variables", {})
            flow_version = data.get("flow_version", "")
            pending = data.get("pending")
        except (KeyError, TypeError, AttributeError) as error:
            raise StateError("stored session state is incomplete") from error
        if not isinstance(node, str) or not all(isinstance(step, str) for step in back):
            raise StateError("stored session state has a malformed node")
        if language not in LANGUAGES:
            language = DEFAULT_LANGUAGE
        if not isinstance(variables, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
        ):
            raise StateError("stored session state has malformed variables")
        if pending is not None and not isinstance(pending, str):
            raise StateError("stored session state has a malformed pending node")
        return cls(
            node=node,
            back=back[-MAX_BACK_STEPS:],
            language=language,
            variables=tuple(sorted(variables.items())),
            flow_version=str(flow_version),
            pending=pending,
        )


# Events: what the user did. Free text is matched and then dropped; it is never kept in state.


@dataclass(frozen=True, slots=True)
class Start:
    payload: str | None = None  # a deep-link entry point such as "online"


@dataclass(frozen=True, slots=True)
class Press:
    action: str  # the button's action token (Telegram callback data)


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # without the slash: "help", "nood", "wis", "taal", "menu", "terug", "start"
    argument: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


Event = Start | Press | Command | Text


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    node: str | None = None  # the node this reply shows, if any


@dataclass(frozen=True, slots=True)
class Tally:
    """One anonymous count: kind is entry, node, contact or outcome."""

    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class Outcome:
    replies: tuple[Reply, ...]
    state: SessionState | None  # None: forget this session entirely
    erase_chat: bool = False  # the adapter must delete this conversation's messages
    result: str = "shown"  # one word for logs: shown, emergency, erased, not_understood, ...
    tallies: tuple[Tally, ...] = field(default=())
