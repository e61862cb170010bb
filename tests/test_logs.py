"""What operators see in the logs: one event per line, fixed fields, no secrets, no personal data."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.flow.session import SessionState
from bot.logs import ALL_FIELDS, REDACTED, configure_logging, log_event, remove_logging
from bot.settings import load_settings
from bot.store import StoredSession
from bot.store.database import SqliteStore
from bot.telegram.app import CHATTY_LOGGERS, URL_LOGGERS, setup_logging

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmnop"
WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789"
SECRET_KEY = "secret-key-for-tests-0123456789abcdefghijkl"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    level, raise_exceptions = root.level, logging.raiseExceptions
    noisy = {name: logging.getLogger(name).level
             for name in ("httpx", "httpcore", "aiosqlite", *URL_LOGGERS, *CHATTY_LOGGERS)}
    yield
    remove_logging()
    root.setLevel(level)
    logging.raiseExceptions = raise_exceptions
    for name, old in noisy.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture
def json_log(restore_logging) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(level="INFO", log_format="auto", secrets=(TOKEN, WEBHOOK_SECRET, SECRET_KEY),
                      stream=stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_an_event_is_one_json_line_with_only_allowed_fields(json_log):
    """Fields outside the allow-list (an id, a name, a text) never reach the log."""
    log_event("update_handled", flow="abc123", node="dreiging", latency_ms=4.2, outcome="shown",
              session="5f2c9a", user_id=987654321012, first_name="Jan", text="ik word bedreigd")
    [entry] = lines(json_log)
    assert entry["event"] == "update_handled"
    assert entry["level"] == "info"
    assert str(entry["time"]).endswith("Z")
    assert {key: entry[key] for key in ("flow", "node", "latency_ms", "outcome", "session")} == {
        "flow": "abc123", "node": "dreiging", "latency_ms": 4.2, "outcome": "shown",
        "session": "5f2c9a",
    }
    assert set(entry) <= set(ALL_FIELDS)
    assert "987654321012" not in json_log.getvalue()
    assert "Jan" not in json_log.getvalue()
    assert "bedreigd" not in json_log.getvalue()


def test_a_terminal_gets_readable_key_value_lines(restore_logging):
    """On a terminal, `auto` writes readable `event key=value` lines instead of JSON."""
    terminal = Terminal()
    configure_logging(level="INFO", log_format="auto", stream=terminal)
    log_event("purge", count=3, reason="two words")
    [line] = terminal.getvalue().splitlines()
    assert line.endswith(' info    purge reason="two words" count=3')
    assert not line.startswith("{")


@pytest.mark.parametrize(("forced", "stream_type", "json_expected"), [
    ("json", Terminal, True),
    ("text", io.StringIO, False),
])
def test_log_format_forces_json_or_text(restore_logging, forced, stream_type, json_expected):
    """LOG_FORMAT json or text wins over what `auto` would pick for the stream."""
    stream = stream_type()
    configure_logging(level="INFO", log_format=forced, stream=stream)
    log_event("startup", version="0.1.0")
    assert stream.getvalue().startswith("{") is json_expected


def test_a_value_with_newlines_stays_one_line_in_both_formats(restore_logging):
    """Log injection: a crafted value cannot start a second, fake event."""
    for log_format in ("json", "text"):
        stream = io.StringIO()
        configure_logging(level="INFO", log_format=log_format, stream=stream)
        log_event("flow_problem", reason='bad\n{"level": "critical", "event": "fake"}\x1b[31m')
        assert len(stream.getvalue().splitlines()) == 1
        assert "\x1b" not in stream.getvalue()


def test_secrets_are_redacted_from_a_foreign_loggers_message_and_arguments(json_log):
    """A library printing the token (in its message or its arguments) shows [redacted]."""
    foreign = logging.getLogger("telegram.ext.Updater")
    foreign.error(f"Error while getting Updates: https://api.telegram.org/bot{TOKEN}/getUpdates")
    foreign.warning("connect to %s failed with secret %s", f"/bot{TOKEN}/x", WEBHOOK_SECRET)
    log_event("flow_problem", reason=f"key was {SECRET_KEY}")
    output = json_log.getvalue()
    for secret in (TOKEN, WEBHOOK_SECRET, SECRET_KEY, "AAFakeTokenForTestsOnly"):
        assert secret not in output
    first, _, third = lines(json_log)
    assert first == {**first, "event": "library", "logger": "telegram.ext.Updater",
                     "level": "error"}
    assert REDACTED in str(first["message"])
    assert third["reason"] == f"key was {REDACTED}"


def test_a_token_shaped_string_is_redacted_even_when_not_configured(restore_logging):
    """Any bot-token-shaped string a library logs is redacted, even one nobody configured."""
    stream = io.StringIO()
    configure_logging(level="INFO", log_format="json", secrets=(), stream=stream)
    other_token = "7777777:ZZsomeOtherTokenValue_0123456789abcd"
    eagerly_formatted = f"GET /bot{other_token}/getMe"  # as libraries that format eagerly do
    logging.getLogger("somelib").warning(eagerly_formatted)
    assert "ZZsomeOtherTokenValue" not in stream.getvalue()
    assert REDACTED in stream.getvalue()


def test_a_token_shaped_value_in_our_own_event_is_redacted(restore_logging):
    """A token-shaped value in one of our event's fields is redacted, even when nobody configured it."""
    stream = io.StringIO()
    configure_logging(level="INFO", log_format="json", secrets=(), stream=stream)
    log_event("telegram_error", reason="InvalidToken 7777777:ZZsomeOtherTokenValue_0123456789abcd")
    [entry] = lines(stream)
    assert entry["reason"] == f"InvalidToken {REDACTED}"


def test_a_lines_time_is_its_own_second_in_utc(restore_logging):
    """Each line carries the second it was logged in, in UTC, however many lines share a second."""
    handler = configure_logging(level="INFO", log_format="json", stream=io.StringIO())
    times = []
    for created in (1_796_124_622.75, 1_796_124_622.0, 1_796_124_623.01, 1_577_836_799.999):
        record = logging.makeLogRecord({"msg": "tick", "created": created, "levelname": "INFO",
                                        "event": "tick", "fields": {}})
        times.append(json.loads(handler.format(record))["time"])
    assert times == ["2026-12-01T11:30:22Z", "2026-12-01T11:30:22Z", "2026-12-01T11:30:23Z",
                     "2019-12-31T23:59:59Z"]


def test_a_foreign_record_shows_its_template_not_its_arguments(json_log):
    """PTB logs whole updates as arguments; names and typed text must stay out of the log."""
    update = {"message": {"from": {"id": 987654321012, "first_name": "Jantje"}, "text": "help"}}
    logging.getLogger("telegram.ext.Application").critical(
        "Error while building CallbackContext for update %s. Update will not be processed.",
        update,
    )
    [entry] = lines(json_log)
    assert entry["message"] == (
        "Error while building CallbackContext for update %s. Update will not be processed."
    )
    assert "Jantje" not in json_log.getvalue()
    assert "987654321012" not in json_log.getvalue()


def test_an_exception_shows_its_class_and_place_but_not_its_message(json_log):
    """A logged exception shows its class and file:line but never its message, which can hold user data."""
    try:
        raise ValueError("user 987654321012 typed something private")
    except ValueError:
        logging.getLogger("telegram.ext.Application").exception("No error handlers are registered")
    [entry] = lines(json_log)
    assert entry["error"] == "ValueError"
    assert str(entry["where"]).startswith("test_logs.py:")
    assert "987654321012" not in json_log.getvalue()
    assert "private" not in json_log.getvalue()


def test_httpx_and_httpcore_are_quiet_below_warning(json_log):
    """httpx prints every request URL, token included, at INFO; those lines never appear."""
    logging.getLogger("httpx").info('HTTP Request: POST https://api.telegram.org/bot%s/getMe', TOKEN)
    logging.getLogger("httpcore.connection").debug("connect_tcp.started")
    assert json_log.getvalue() == ""
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING


def test_log_level_filters_and_reconfiguring_replaces_the_handler(restore_logging):
    """Lines below LOG_LEVEL are dropped, and configuring again replaces the earlier handler."""
    first = io.StringIO()
    configure_logging(level="WARNING", log_format="json", stream=first)
    second = io.StringIO()
    configure_logging(level="WARNING", log_format="json", stream=second)
    log_event("update_handled")
    log_event("storage_error", level=logging.ERROR, reason="disk full")
    assert first.getvalue() == ""
    assert [entry["event"] for entry in lines(second)] == ["storage_error"]


def test_an_unknown_log_format_is_refused(restore_logging):
    """An unknown log format is refused with the list of allowed ones."""
    with pytest.raises(ValueError, match="log format must be one of auto, json, text"):
        configure_logging(log_format="xml", stream=io.StringIO())


async def test_at_debug_the_store_never_logs_a_query_or_its_values(restore_logging, tmp_path):
    """With LOG_LEVEL=DEBUG, saving and loading a session writes no aiosqlite line at all.

    aiosqlite logs every call with its SQL parameters at DEBUG. The formatter drops a foreign
    record's arguments (a second guard), so what this pins is the first: the logger held at WARNING.
    """
    stream = io.StringIO()
    settings = load_settings({"WEGWIJZER_SECRET_KEY": SECRET_KEY, "LOG_LEVEL": "DEBUG",
                              "LOG_FORMAT": "json"})
    setup_logging(settings, stream=stream)
    key, node = "PSEUDONYMCANARY0123", "NODECANARY4567"
    async with SqliteStore(tmp_path / "db.sqlite3", retention_seconds=3600) as store:
        await store.save(key, StoredSession(SessionState(node=node), (1,), "log", 1e9))
        assert await store.load(key, 1e9) is not None
    logging.getLogger("wegwijzer").debug("control line")  # DEBUG lines do get through
    text = stream.getvalue()
    assert "control line" in text
    assert [line for line in lines(stream) if line.get("logger") == "aiosqlite"] == []
    assert logging.getLogger("aiosqlite").getEffectiveLevel() == logging.WARNING
    assert key not in text
    assert node not in text
