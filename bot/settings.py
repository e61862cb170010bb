"""All settings in one frozen value, read from the environment (and `.env` via python-dotenv).

Errors name the key and the fix and never echo a secret's value. `.env.example` documents
every key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot.errors import SettingsError

DEFAULT_API_BASE_URL = "https://api.telegram.org"
MIN_SECRET_BYTES = 32
_TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
_WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("auto", "json", "text")


@dataclass(frozen=True, slots=True)
class Settings:
    secret_key: bytes = field(repr=False)
    token: str | None = field(default=None, repr=False)
    database: Path = Path("wegwijzer.sqlite3")
    flows_dir: Path = Path("flows")
    api_base_url: str = DEFAULT_API_BASE_URL
    log_level: str = "INFO"
    log_format: str = "auto"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    session_hours: float = 6.0
    purge_minutes: float = 10.0
    reload_seconds: float = 5.0

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line or in output."""
        values = [self.token, self.webhook_secret, self.secret_key.decode("utf-8", "replace")]
        return tuple(value for value in values if value)


def _text(env: Mapping[str, str], key: str) -> str | None:
    value = env.get(key, "").strip()
    return value or None


def _number(env: Mapping[str, str], key: str, default: float, *, minimum: float) -> float:
    raw = _text(env, key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number (got {raw!r}); remove it to use {default:g}.") from None
    if value < minimum:
        raise SettingsError(f"{key} must be at least {minimum:g} (got {raw!r}).")
    return value


def _choice(env: Mapping[str, str], key: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (_text(env, key) or default).strip()
    normalised = raw.upper() if key == "LOG_LEVEL" else raw.lower()
    if normalised not in choices:
        raise SettingsError(f"{key} must be one of {', '.join(choices)} (got {raw!r}).")
    return normalised


def _secret_key(env: Mapping[str, str]) -> bytes:
    raw = _text(env, "WEGWIJZER_SECRET_KEY")
    if raw is None:
        raise SettingsError(
            "WEGWIJZER_SECRET_KEY is not set. It keys the pseudonyms of users; create one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(48))"` and put it in .env.'
        )
    key = raw.encode()
    if len(key) < MIN_SECRET_BYTES:
        raise SettingsError(
            f"WEGWIJZER_SECRET_KEY is too short ({len(key)} bytes); it needs at least "
            f"{MIN_SECRET_BYTES}. Create one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(48))"`.'
        )
    return key


def _token(env: Mapping[str, str], *, required: bool) -> str | None:
    token = _text(env, "TELEGRAM_BOT_TOKEN")
    if token is None:
        if required:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set. Ask @BotFather in Telegram for a token (/newbot) "
                "and put it in .env; to try the guide without Telegram, run `wegwijzer chat`."
            )
        return None
    if not _TOKEN_SHAPE.match(token):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters); "
            "copy it again from @BotFather."
        )
    return token


def _https_url(env: Mapping[str, str], key: str, *, allow_http_loopback: bool) -> str | None:
    raw = _text(env, key)
    if raw is None:
        return None
    parsed = urlparse(raw)
    loopback = parsed.hostname in {"127.0.0.1", "localhost", "::1"}
    secure = parsed.scheme == "https" or (allow_http_loopback and parsed.scheme == "http" and loopback)
    if secure and parsed.hostname:
        return raw.rstrip("/")
    allowed = "https (or http on 127.0.0.1)" if allow_http_loopback else "https"
    raise SettingsError(f"{key} must be an {allowed} URL such as https://example.org (got {raw!r}).")


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    require_token: bool = False,
    dotenv_path: Path | None = None,
) -> Settings:
    """Build the settings. Without `environ`, read `.env` first (it never overrides the real
    environment), then `os.environ`."""
    if environ is None:
        from dotenv import load_dotenv

        load_dotenv(dotenv_path or Path(".env"), override=False)
        environ = os.environ
    env = environ
    webhook_url = _https_url(env, "WEBHOOK_URL", allow_http_loopback=True)
    webhook_secret = _text(env, "WEBHOOK_SECRET_TOKEN")
    if webhook_url is not None:
        if webhook_secret is None:
            raise SettingsError(
                "WEBHOOK_SECRET_TOKEN is required in webhook mode (WEBHOOK_URL is set). Use 1-256 "
                "characters A-Z a-z 0-9 _ -, e.g. from "
                '`python -c "import secrets; print(secrets.token_urlsafe(32))"`.'
            )
        if not _WEBHOOK_SECRET_SHAPE.match(webhook_secret):
            raise SettingsError(
                "WEBHOOK_SECRET_TOKEN may only hold 1-256 characters A-Z a-z 0-9 _ - "
                "(Telegram's rule); generate a new one."
            )
    port = _number(env, "WEBHOOK_PORT", 8443, minimum=1)
    if port != int(port) or port > 65535:
        raise SettingsError("WEBHOOK_PORT must be a whole number from 1 to 65535.")
    return Settings(
        secret_key=_secret_key(env),
        token=_token(env, required=require_token),
        database=Path(_text(env, "WEGWIJZER_DATABASE") or "wegwijzer.sqlite3"),
        flows_dir=Path(_text(env, "WEGWIJZER_FLOWS_DIR") or "flows"),
        api_base_url=_https_url(env, "TELEGRAM_API_BASE_URL", allow_http_loopback=True) or DEFAULT_API_BASE_URL,
        log_level=_choice(env, "LOG_LEVEL", "INFO", LOG_LEVELS),
        log_format=_choice(env, "LOG_FORMAT", "auto", LOG_FORMATS),
        webhook_url=webhook_url,
        webhook_listen=_text(env, "WEBHOOK_LISTEN") or "127.0.0.1",
        webhook_port=int(port),
        webhook_secret=webhook_secret,
        session_hours=_number(env, "WEGWIJZER_SESSION_HOURS", 6.0, minimum=0.01),
        purge_minutes=_number(env, "WEGWIJZER_PURGE_MINUTES", 10.0, minimum=0.01),
        reload_seconds=_number(env, "WEGWIJZER_RELOAD_SECONDS", 5.0, minimum=0.1),
    )
