"""Our log events as a test sees them: a name, a level and typed fields, with no type ignores.

`bot.logs.log_event` puts the event name and its fields on each record (`extra=`); reading them
back means `getattr` on a LogRecord. This does that in one place. Use the `log_events` fixture
(tests/conftest.py): `log_events.named("flow_reload_failed")[0]["problems"] == 2`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class LoggedEvent:
    """One of our log lines: the event name, its level and its fields."""

    name: str
    level: int
    fields: Mapping[str, object] = field(default_factory=dict)

    def __getitem__(self, key: str) -> object:
        return self.fields[key]


class LogEvents:
    """What was logged during a test, read through pytest's caplog."""

    def __init__(self, caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> None:
        self.caplog = caplog
        caplog.set_level(level)

    def at(self, level: int) -> LogEvents:
        """Capture from `level` on (e.g. logging.DEBUG for the privacy checks)."""
        self.caplog.set_level(level)
        return self

    def all(self) -> list[LoggedEvent]:
        events = []
        for record in self.caplog.records:
            name = getattr(record, "event", None)
            if isinstance(name, str):
                fields = getattr(record, "fields", None)
                events.append(LoggedEvent(name, record.levelno,
                                          dict(fields) if isinstance(fields, Mapping) else {}))
        return events

    def named(self, name: str) -> list[LoggedEvent]:
        return [event for event in self.all() if event.name == name]

    def messages(self, *, at_least: int = logging.NOTSET) -> list[str]:
        """The message of every record, ours or a library's, at `at_least` or above."""
        return [record.getMessage() for record in self.caplog.records if record.levelno >= at_least]

    def text(self) -> str:
        """Everything any logger wrote: messages, our fields and exception texts, one record a line."""
        return "\n".join(
            f"{record.getMessage()} {getattr(record, 'fields', '')} {record.exc_text or ''}"
            for record in self.caplog.records
        )
