"""Logs are events: a short name plus a fixed set of fields, never personal data or secrets.

What an operator sees, one event per line:
- JSON objects when the output is not a terminal (`LOG_FORMAT=auto`), readable `key=value` lines
  on a terminal; `LOG_FORMAT=json` or `text` forces one.
- Only the fields in `FIELDS`: a careless call cannot add a name, an id or a typed text.
- Records from other libraries (python-telegram-bot, httpx, ...) become `event="library"` with
  the logger's name and the message *template* only: their arguments are left out because they
  can carry a whole Telegram update (names, typed text). Exceptions show their class and where
  they were raised, never their message.
- A redaction filter replaces every configured secret (bot token, webhook secret, secret key),
  and anything shaped like a bot token, by `[redacted]` in every record.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

_logger = logging.getLogger("wegwijzer")

# The only fields a log event may carry. Anything else is dropped, so a careless call cannot
# leak a name, an id or a typed text into the logs.
FIELDS = ("flow", "node", "latency_ms", "outcome", "session", "reason", "count", "mode",
          "version", "flows", "problems", "update", "method", "retry_after", "status", "error")
_ALLOWED = frozenset(FIELDS)
# Fields the formatter adds itself.
FIXED = ("time", "level", "event")
LIBRARY_FIELDS = ("logger", "message", "where")
ALL_FIELDS = FIXED + FIELDS + LIBRARY_FIELDS

REDACTED = "[redacted]"
LIBRARY_EVENT = "library"
# A bot token has this shape even when nobody configured it (a second guard).
_TOKEN_SHAPE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,}")
# Shorter "secrets" would redact ordinary words; settings already insist on long ones.
_MIN_SECRET_LENGTH = 8
# Loggers that print request URLs, and so the bot token, at INFO; and aiosqlite, which logs
# every query with its parameters (session keys, states) at DEBUG. All kept at WARNING.
NOISY_LOGGERS = ("httpx", "httpcore", "aiosqlite")
FORMATS = ("auto", "json", "text")


def log_event(event: str, *, level: int = logging.INFO, **fields: object) -> None:
    if not _logger.isEnabledFor(level):
        return
    kept = {key: value for key, value in fields.items() if key in _ALLOWED}
    # The record `Logger.log` would make, through the same filters and handlers, but without
    # its walk up the stack for a file and line that no formatter here shows (a third of the
    # cost of a line, and one line is written per update).
    _logger.handle(_logger.makeRecord(_logger.name, level, "", 0, event, (), None,
                                      extra={"event": event, "fields": kept}))


class Redactor:
    """Replaces secrets and token-shaped strings in text."""

    def __init__(self, secrets: Iterable[str | bytes] = ()) -> None:
        words = {
            secret.decode("utf-8", "replace") if isinstance(secret, bytes) else secret
            for secret in secrets
        }
        # Longest first, so a secret that contains another is removed whole.
        self.secrets = sorted(
            (word for word in words if len(word) >= _MIN_SECRET_LENGTH), key=len, reverse=True
        )

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        # Every token-shaped string has a colon; most log values have none.
        return _TOKEN_SHAPE.sub(REDACTED, text) if ":" in text else text


class RedactionFilter(logging.Filter):
    """Scrubs every record before any formatter sees it: message, arguments, exception text."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        template = getattr(record, "wegwijzer_template", None)
        if isinstance(template, str):  # already scrubbed by another of our handlers
            record.msg = self.redact(str(record.msg))
            record.wegwijzer_template = self.redact(template)
        else:
            template = str(record.msg)
            try:
                rendered = record.getMessage()
            except (TypeError, ValueError, KeyError):  # a library's own formatting mistake
                rendered = template
            record.msg = self.redact(rendered)
            record.args = None
            record.wegwijzer_template = self.redact(template)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                key: _redacted_value(value, self.redact) for key, value in fields.items()
            }
        return True


def _redacted_value(value: object, redact: Redactor) -> object:
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def _time(record: logging.LogRecord) -> str:
    return _utc_second(int(record.created))


@functools.lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    """'2026-12-01T11:30:22Z'; a busy second's lines share one."""
    return datetime.fromtimestamp(second, UTC).isoformat().replace("+00:00", "Z")


def _where(record: logging.LogRecord) -> str | None:
    """'file.py:123' of the innermost frame of the exception; never the exception's message."""
    if not record.exc_info or record.exc_info[2] is None:
        return None
    frames = traceback.extract_tb(record.exc_info[2])
    if not frames:
        return None
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno}"


def event_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The allowed fields of one record, in a fixed order."""
    out: dict[str, Any] = {"time": _time(record), "level": record.levelname.lower()}
    fields = getattr(record, "fields", None)
    event = getattr(record, "event", None)
    if isinstance(event, str) and isinstance(fields, dict):
        out["event"] = event
        for key in FIELDS:
            if key in fields:
                out[key] = fields[key]
    else:
        out["event"] = LIBRARY_EVENT
        out["logger"] = record.name
        out["message"] = str(getattr(record, "wegwijzer_template", record.msg))
    if record.exc_info and record.exc_info[0] is not None:
        out["error"] = record.exc_info[0].__name__
        where = _where(record)
        if where:
            out["where"] = where
    return out


# json.dumps with these options would build this encoder anew for every line.
_to_json = json.JSONEncoder(ensure_ascii=False, default=str).encode


class JsonFormatter(logging.Formatter):
    """One JSON object per line; newlines in values are escaped, so one event is one line."""

    def format(self, record: logging.LogRecord) -> str:
        return _to_json(event_fields(record))


class TextFormatter(logging.Formatter):
    """`time level event key=value ...` for a person watching a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = event_fields(record)
        head = f"{fields.pop('time')} {fields.pop('level'):<7} {fields.pop('event')}"
        parts = [f"{key}={_text_value(value)}" for key, value in fields.items()]
        return " ".join([head, *parts])


def _text_value(value: object) -> str:
    text = str(value)
    if text and all(char.isprintable() and char not in ' "=' for char in text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _chosen_format(log_format: str, stream: TextIO) -> str:
    if log_format not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {log_format!r}")
    if log_format != "auto":
        return log_format
    isatty = getattr(stream, "isatty", None)
    return "text" if callable(isatty) and isatty() else "json"


_installed: logging.Handler | None = None


def configure_logging(
    *,
    level: str | int = "INFO",
    log_format: str = "auto",
    secrets: Iterable[str | bytes] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log record, ours and libraries', through one redacting handler.

    Call once at start-up: `configure_logging(level=settings.log_level,
    log_format=settings.log_format, secrets=settings.secrets)`. Calling again replaces the
    handler installed before. Returns the handler (tests read what it wrote via `stream`).
    """
    global _installed
    target = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(target)
    handler.addFilter(RedactionFilter(Redactor(secrets)))
    chosen = _chosen_format(log_format, target)
    handler.setFormatter(JsonFormatter() if chosen == "json" else TextFormatter())
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # A full or unwritable log disk must not flood stderr with tracebacks or stop the bot.
    logging.raiseExceptions = False
    _installed = handler
    return handler


def remove_logging() -> None:
    """Undo `configure_logging` (for tests and for commands that print instead of logging)."""
    global _installed
    if _installed is not None:
        logging.getLogger().removeHandler(_installed)
        _installed = None
