"""Settings: every key read, every mistake named with its fix, no secret ever echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import DEFAULT_API_BASE_URL, load_settings

TOKEN = "123456789:AAHsecretPartOfTheTokenThatMustNotLeak01"
KEY = "k" * 40


def env(**values: str) -> dict[str, str]:
    return {"WEGWIJZER_SECRET_KEY": KEY, **values}


def test_defaults_need_only_the_secret_key() -> None:
    """With only a secret key, every other setting takes its documented default and no token is required."""
    settings = load_settings(env())
    assert settings.token is None
    assert settings.database == Path("wegwijzer.sqlite3")
    assert settings.flows_dir == Path("flows")
    assert settings.api_base_url == DEFAULT_API_BASE_URL
    assert (settings.log_level, settings.log_format) == ("INFO", "auto")
    assert not settings.webhook_mode
    assert (settings.session_hours, settings.purge_minutes, settings.reload_seconds) == (6, 10, 5)


def test_every_key_is_read() -> None:
    """Every key in .env.example is read and normalised (case, trailing slash) into Settings."""
    settings = load_settings(env(
        TELEGRAM_BOT_TOKEN=TOKEN, WEGWIJZER_DATABASE="/var/lib/w/db.sqlite3",
        WEGWIJZER_FLOWS_DIR="/srv/flows", TELEGRAM_API_BASE_URL="http://127.0.0.1:8081/",
        LOG_LEVEL="debug", LOG_FORMAT="JSON", WEBHOOK_URL="https://bot.example.org/hook",
        WEBHOOK_LISTEN="0.0.0.0", WEBHOOK_PORT="8443", WEBHOOK_SECRET_TOKEN="abc_DEF-123",
        WEGWIJZER_SESSION_HOURS="2.5", WEGWIJZER_PURGE_MINUTES="1",
        WEGWIJZER_RELOAD_SECONDS="0.5",
    ), require_token=True)
    assert settings.token == TOKEN
    assert settings.database == Path("/var/lib/w/db.sqlite3")
    assert settings.flows_dir == Path("/srv/flows")
    assert settings.api_base_url == "http://127.0.0.1:8081"  # trailing slash dropped
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    assert settings.webhook_mode
    assert (settings.webhook_listen, settings.webhook_port) == ("0.0.0.0", 8443)
    assert settings.webhook_secret == "abc_DEF-123"
    assert (settings.session_hours, settings.purge_minutes, settings.reload_seconds) == (
        2.5, 1.0, 0.5)
    assert set(settings.secrets) == {TOKEN, "abc_DEF-123", KEY}


def test_repr_hides_secrets() -> None:
    """repr(settings) never shows the token, the secret key or the webhook secret."""
    settings = load_settings(env(TELEGRAM_BOT_TOKEN=TOKEN, WEBHOOK_URL="https://x.example/h",
                                 WEBHOOK_SECRET_TOKEN="hooksecret123"))
    shown = repr(settings)
    assert TOKEN not in shown
    assert KEY not in shown
    assert "hooksecret123" not in shown


@pytest.mark.parametrize(
    ("values", "key", "hint"),
    [
        ({"WEGWIJZER_SECRET_KEY": ""}, "WEGWIJZER_SECRET_KEY", "secrets.token_urlsafe"),
        ({"WEGWIJZER_SECRET_KEY": "short-key"}, "WEGWIJZER_SECRET_KEY", "at least 32"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "TELEGRAM_BOT_TOKEN", "BotFather"),
        ({"TELEGRAM_API_BASE_URL": "http://api.example.org"}, "TELEGRAM_API_BASE_URL", "https"),
        ({"TELEGRAM_API_BASE_URL": "ftp://127.0.0.1"}, "TELEGRAM_API_BASE_URL", "https"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "DEBUG, INFO"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT", "json"),
        ({"WEBHOOK_URL": "http://bot.example.org/hook", "WEBHOOK_SECRET_TOKEN": "abc"},
         "WEBHOOK_URL", "https"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook"}, "WEBHOOK_SECRET_TOKEN", "required"),
        ({"WEBHOOK_URL": "https://bot.example.org/hook", "WEBHOOK_SECRET_TOKEN": "has space"},
         "WEBHOOK_SECRET_TOKEN", "A-Z a-z 0-9 _ -"),
        ({"WEBHOOK_PORT": "eighty"}, "WEBHOOK_PORT", "number"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT", "65535"),
        ({"WEBHOOK_PORT": "80.5"}, "WEBHOOK_PORT", "whole number"),
        ({"WEBHOOK_PORT": "0"}, "WEBHOOK_PORT", "at least 1"),
        ({"WEGWIJZER_SESSION_HOURS": "lang"}, "WEGWIJZER_SESSION_HOURS", "number"),
        ({"WEGWIJZER_SESSION_HOURS": "0"}, "WEGWIJZER_SESSION_HOURS", "at least"),
        ({"WEGWIJZER_PURGE_MINUTES": "-5"}, "WEGWIJZER_PURGE_MINUTES", "at least"),
        ({"WEGWIJZER_RELOAD_SECONDS": "0.01"}, "WEGWIJZER_RELOAD_SECONDS", "at least"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_bad_setting_names_its_key_and_the_fix(
    values: dict[str, str], key: str, hint: str
) -> None:
    """Each malformed setting gives one line that names its key and how to fix it."""
    with pytest.raises(SettingsError) as caught:
        load_settings(env(**values))
    message = str(caught.value)
    assert key in message
    assert hint in message
    assert "\n" not in message


def test_a_missing_token_is_only_an_error_when_required() -> None:
    """No token is fine for staff commands; `run` (require_token) names BotFather and `wegwijzer chat`."""
    assert load_settings(env()).token is None
    with pytest.raises(SettingsError, match=r"TELEGRAM_BOT_TOKEN.*BotFather.*wegwijzer chat"):
        load_settings(env(), require_token=True)


@pytest.mark.parametrize(
    "values",
    [
        {"TELEGRAM_BOT_TOKEN": "123:tooShortSecretXyz"},
        {"WEGWIJZER_SECRET_KEY": "shortSecretXyz"},
        {"WEBHOOK_URL": "https://x.example/h", "WEBHOOK_SECRET_TOKEN": "bad secret Xyz!"},
    ],
)
def test_errors_never_echo_a_secret_value(values: dict[str, str]) -> None:
    """A malformed token, secret key or webhook secret is refused without quoting its value."""
    with pytest.raises(SettingsError) as caught:
        load_settings(env(**values))
    assert "Xyz" not in str(caught.value)


def test_dotenv_fills_in_but_never_overrides_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """.env fills in keys the environment lacks, and a key set in the environment wins."""
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"WEGWIJZER_SECRET_KEY={KEY}\nLOG_LEVEL=DEBUG\nLOG_FORMAT=text\n")
    for key in ("WEGWIJZER_SECRET_KEY", "LOG_LEVEL"):
        # set, then delete: monkeypatch then also removes what load_dotenv puts back
        monkeypatch.setenv(key, "placeholder")
        monkeypatch.delenv(key)
    monkeypatch.setenv("LOG_FORMAT", "json")
    settings = load_settings(dotenv_path=dotenv)
    assert settings.secret_key == KEY.encode()
    assert settings.log_level == "DEBUG"
    assert settings.log_format == "json"


@pytest.mark.parametrize(("length", "accepted"), [(31, False), (32, True)])
def test_the_secret_key_needs_at_least_32_bytes(length: int, accepted: bool) -> None:
    """A 31-byte WEGWIJZER_SECRET_KEY is refused with its length named; 32 bytes is enough."""
    environ = {"WEGWIJZER_SECRET_KEY": "s" * length}
    if accepted:
        assert load_settings(environ).secret_key == b"s" * length
        return
    with pytest.raises(SettingsError, match=r"too short \(31 bytes\); it needs at least 32"):
        load_settings(environ)


def test_the_secret_key_length_counts_bytes_not_characters() -> None:
    """Sixteen two-byte characters are 32 bytes: accepted; the rule is about key material."""
    assert len(load_settings({"WEGWIJZER_SECRET_KEY": "é" * 16}).secret_key) == 32
