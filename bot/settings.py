"""Settings in one place: every command resolves them here, in one documented order.

Order (later wins): `.env` (read with python-dotenv; never copied into `os.environ`), then the
process environment, then command-line flags. So `WEGWIJZER_FLOWS_DIR=...` in `.env` is what
`check`, `chat`, `test`, `graph`, `preview`, `diff`, `run` and `doctor` all read, unless the
environment or a flag such as `--flows` says otherwise.

Two levels, so a half-configured bot never stops staff from working on their flows:

- `Places` (`flows_dir`, `database`): the non-secret part. Resolving it cannot fail and needs no
  token or secret key. Staff commands use `places_for(args)`.
- `Settings`: everything, validated. `run` and `doctor` use it.

Usage:

    env = gather(flags_from(args))                      # .env, environment, flags -> one mapping
    settings, problems = resolve(env, require_token=True)  # never raises; EVERY problem at once
    settings = load_settings(flags=flags_from(args), require_token=True)  # raises SettingsError
    places = places_for(args)                            # staff commands: no secrets needed

`resolve` returns `problems` as `SettingProblem`s (the key and one line naming the fix); the
settings are None when there is any problem. `SettingsError.problems` carries the same list and
its message is one line per problem. Pass `environ=` (a plain mapping) to inject values in
tests: it then replaces both `.env` and the process environment. Messages never echo a secret's
value. `.env.example` documents every key; `FLAG_KEYS` lists which flag sets which key.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot.errors import SettingProblem, SettingsError

__all__ = [
    "DEFAULT_API_BASE_URL", "DOTENV", "FLAG_KEYS", "MIN_SECRET_BYTES", "Places", "SettingProblem",
    "Settings", "SettingsError", "flags_from", "gather", "load_settings", "places_for", "places_from",
    "resolve",
]

DEFAULT_API_BASE_URL = "https://api.telegram.org"
DEFAULT_DATABASE = Path("wegwijzer.sqlite3")
DEFAULT_FLOWS_DIR = Path("flows")
DOTENV = Path(".env")
MIN_SECRET_BYTES = 32
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram posts webhooks to
_TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
_WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("auto", "json", "text")
# how to make a key, shown in messages (a command, not a secret)
_MAKE_SECRET = '`python -c "import secrets; print(secrets.token_urlsafe(48))"`'  # noqa: S105

# command-line option (its argparse `dest`) -> the setting it overrides
FLAG_KEYS: dict[str, str] = {
    "flows": "WEGWIJZER_FLOWS_DIR",
    "database": "WEGWIJZER_DATABASE",
}


@dataclass(frozen=True, slots=True)
class Places:
    """Where the guide and the database are: the non-secret part every command can resolve."""

    flows_dir: Path = DEFAULT_FLOWS_DIR
    database: Path = DEFAULT_DATABASE


@dataclass(frozen=True, slots=True)
class Settings:
    secret_key: bytes = field(repr=False)
    token: str | None = field(default=None, repr=False)
    database: Path = DEFAULT_DATABASE
    flows_dir: Path = DEFAULT_FLOWS_DIR
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
    def places(self) -> Places:
        return Places(flows_dir=self.flows_dir, database=self.database)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a log line or in output."""
        values = [self.token, self.webhook_secret, self.secret_key.decode("utf-8", "replace")]
        return tuple(value for value in values if value)


# --- gathering: .env, then the environment, then flags ---------------------------------------


def flags_from(args: argparse.Namespace | None) -> dict[str, str]:
    """The settings a command line gave (`--flows DIR` -> WEGWIJZER_FLOWS_DIR), unset ones left out."""
    if args is None:
        return {}
    given = {key: getattr(args, dest, None) for dest, key in FLAG_KEYS.items()}
    return {key: str(value) for key, value in given.items() if value is not None and str(value).strip()}


def gather(
    flags: Mapping[str, str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path | None = None,
) -> dict[str, str]:
    """One mapping in the documented order, later wins: `.env`, the environment, then `flags`.

    With `environ` given, it stands for both `.env` and the process environment (tests inject
    exactly what they mean); `.env` is then read only when `dotenv_path` is also given.
    """
    values: dict[str, str] = {}
    if environ is None or dotenv_path is not None:
        values.update(_dotenv(dotenv_path or DOTENV))
    values.update(os.environ if environ is None else environ)
    values.update(flags or {})
    return values


def _dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {key: value for key, value in dotenv_values(path).items() if value is not None}


# --- resolving: every problem at once ----------------------------------------------------------


class _Reader:
    """Reads typed values from the mapping, noting each problem instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[SettingProblem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(SettingProblem(key, message))

    def text(self, key: str) -> str | None:
        value = self.env.get(key, "").strip()
        return value or None

    def number(self, key: str, default: float, *, minimum: float) -> float:
        raw = self.text(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.problem(key, f"{key} must be a number (got {raw!r}); remove it to use {default:g}.")
            return default
        if value < minimum:
            self.problem(key, f"{key} must be at least {minimum:g} (got {raw!r}).")
            return default
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        raw = self.text(key) or default
        normalised = raw.upper() if key == "LOG_LEVEL" else raw.lower()
        if normalised not in choices:
            self.problem(key, f"{key} must be one of {', '.join(choices)} (got {raw!r}).")
            return default
        return normalised

    def url(self, key: str) -> str | None:
        raw = self.text(key)
        if raw is None:
            return None
        parsed = urlparse(raw)
        loopback = parsed.hostname in {"127.0.0.1", "localhost", "::1"}
        if (parsed.scheme == "https" or (parsed.scheme == "http" and loopback)) and parsed.hostname:
            return raw.rstrip("/")
        self.problem(key, f"{key} must be an https (or http on 127.0.0.1) URL such as "
                          f"https://example.org (got {raw!r}).")
        return None


def _secret_key(read: _Reader) -> bytes:
    key = "WEGWIJZER_SECRET_KEY"
    raw = read.text(key)
    if raw is None:
        read.problem(key, f"{key} is not set. It keys the pseudonyms of users; create one with "
                          f"{_MAKE_SECRET} and put it in .env.")
        return b""
    secret = raw.encode()
    if len(secret) < MIN_SECRET_BYTES:  # the length only: never the value
        read.problem(key, f"{key} is too short ({len(secret)} bytes); it needs at least "
                          f"{MIN_SECRET_BYTES}. Create one with {_MAKE_SECRET}.")
    return secret


def _token(read: _Reader, *, required: bool) -> str | None:
    key = "TELEGRAM_BOT_TOKEN"
    token = read.text(key)
    if token is None:
        if required:
            read.problem(key, f"{key} is not set. Ask @BotFather in Telegram for a token (/newbot) "
                              "and put it in .env; to try the guide without Telegram, run "
                              "`wegwijzer chat`.")
        return None
    if not _TOKEN_SHAPE.match(token):
        read.problem(key, f"{key} does not look like a bot token (digits, a colon, then letters); "
                          "copy it again from @BotFather.")
    return token


def _webhook_secret(read: _Reader, *, webhook: bool) -> str | None:
    key = "WEBHOOK_SECRET_TOKEN"
    secret = read.text(key)
    if not webhook:
        return secret
    if secret is None:
        read.problem(key, f"{key} is required in webhook mode (WEBHOOK_URL is set). Use 1-256 "
                          "characters A-Z a-z 0-9 _ -, e.g. from "
                          '`python -c "import secrets; print(secrets.token_urlsafe(32))"`.')
    elif not _WEBHOOK_SECRET_SHAPE.match(secret):
        read.problem(key, f"{key} may only hold 1-256 characters A-Z a-z 0-9 _ - "
                          "(Telegram's rule); generate a new one.")
    return secret


def _port(read: _Reader) -> int:
    port = read.number("WEBHOOK_PORT", 8443, minimum=1)
    if port != int(port) or port > 65535:
        read.problem("WEBHOOK_PORT", "WEBHOOK_PORT must be a whole number from 1 to 65535.")
        return 8443
    return int(port)


def _webhook_checks(read: _Reader, webhook_url: str | None, api_base_url: str) -> str:
    """Telegram's own rules for a webhook, checked before anything is registered; the listen address."""
    listen = read.text("WEBHOOK_LISTEN") or "127.0.0.1"
    try:
        ipaddress.ip_address(listen)
    except ValueError:
        if listen != "localhost":
            read.problem("WEBHOOK_LISTEN", f"WEBHOOK_LISTEN must be an IP address of this machine, such as "
                         f"127.0.0.1 behind a reverse proxy, or 0.0.0.0 (got {listen!r}).")
            listen = "127.0.0.1"
    if webhook_url is None:
        if read.text("WEBHOOK_SECRET_TOKEN") is not None and read.text("WEBHOOK_URL") is None:
            read.problem("WEBHOOK_SECRET_TOKEN", "WEBHOOK_SECRET_TOKEN is set but WEBHOOK_URL is not, so the bot "
                         "would poll and the secret would protect nothing; set WEBHOOK_URL for webhook mode, "
                         "or remove WEBHOOK_SECRET_TOKEN to poll.")
        return listen
    parsed = urlparse(webhook_url)
    if api_base_url == DEFAULT_API_BASE_URL and parsed.scheme == "https":
        try:
            port = parsed.port or 443
        except ValueError:
            port = -1
        if port not in TELEGRAM_WEBHOOK_PORTS:
            allowed = ", ".join(map(str, TELEGRAM_WEBHOOK_PORTS))
            read.problem("WEBHOOK_URL", f"WEBHOOK_URL: Telegram only delivers webhooks to ports {allowed} "
                         f"(got {webhook_url!r}); let the reverse proxy take one of those ports.")
    return listen


def places_from(env: Mapping[str, str]) -> Places:
    """The non-secret part of a gathered mapping; any non-empty value is a usable path."""
    read = _Reader(env)
    return Places(
        flows_dir=Path(read.text("WEGWIJZER_FLOWS_DIR") or DEFAULT_FLOWS_DIR),
        database=Path(read.text("WEGWIJZER_DATABASE") or DEFAULT_DATABASE),
    )


def resolve(
    env: Mapping[str, str], *, require_token: bool = False
) -> tuple[Settings | None, list[SettingProblem]]:
    """Every setting from a gathered mapping, and every problem in it (settings None if any)."""
    read = _Reader(env)
    webhook_url = read.url("WEBHOOK_URL")
    webhook_wanted = read.text("WEBHOOK_URL") is not None
    places = places_from(env)
    api_base_url = read.url("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL
    settings = Settings(
        secret_key=_secret_key(read),
        token=_token(read, required=require_token),
        database=places.database,
        flows_dir=places.flows_dir,
        api_base_url=api_base_url,
        log_level=read.choice("LOG_LEVEL", "INFO", LOG_LEVELS),
        log_format=read.choice("LOG_FORMAT", "auto", LOG_FORMATS),
        webhook_url=webhook_url,
        webhook_listen=_webhook_checks(read, webhook_url, api_base_url),
        webhook_port=_port(read),
        webhook_secret=_webhook_secret(read, webhook=webhook_wanted),
        session_hours=read.number("WEGWIJZER_SESSION_HOURS", 6.0, minimum=0.01),
        purge_minutes=read.number("WEGWIJZER_PURGE_MINUTES", 10.0, minimum=0.01),
        reload_seconds=read.number("WEGWIJZER_RELOAD_SECONDS", 5.0, minimum=0.1),
    )
    return (None if read.problems else settings), read.problems


# --- the two entry points commands use ----------------------------------------------------------


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    require_token: bool = False,
    dotenv_path: Path | None = None,
    flags: Mapping[str, str] | None = None,
) -> Settings:
    """All settings (see `gather` for the order), or SettingsError naming every problem."""
    settings, problems = resolve(gather(flags, environ=environ, dotenv_path=dotenv_path),
                                 require_token=require_token)
    if settings is None:
        raise SettingsError(problems)
    return settings


def places_for(args: argparse.Namespace | None = None, *, environ: Mapping[str, str] | None = None,
               dotenv_path: Path | None = None) -> Places:
    """The flows folder and database for a staff command: `.env`, environment, then its flags."""
    return places_from(gather(flags_from(args), environ=environ, dotenv_path=dotenv_path))
