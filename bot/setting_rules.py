"""The rule for each setting: how its value is read and checked.

`Reader` notes every problem (the key and one line naming the fix) instead of stopping at the
first, so `bot.settings.resolve` can report them all at once. No message ever quotes the value
of a secret (the token, the secret key, the webhook secret); for those only the shape or the
length is described.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from urllib.parse import urlparse

from bot.errors import SettingProblem

DEFAULT_API_BASE_URL = "https://api.telegram.org"
MIN_SECRET_BYTES = 32
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)  # the only ports Telegram posts webhooks to
_TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
_WEBHOOK_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("auto", "json", "text")
# how to make a key, shown in messages (a command, not a secret)
_MAKE_SECRET = '`python -c "import secrets; print(secrets.token_urlsafe(48))"`'  # noqa: S105


class Reader:
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


def secret_key(read: Reader) -> bytes:
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


def token(read: Reader, *, required: bool) -> str | None:
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


def webhook_secret(read: Reader, *, webhook: bool) -> str | None:
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


def port(read: Reader) -> int:
    port = read.number("WEBHOOK_PORT", 8443, minimum=1)
    if port != int(port) or port > 65535:
        read.problem("WEBHOOK_PORT", "WEBHOOK_PORT must be a whole number from 1 to 65535.")
        return 8443
    return int(port)


def webhook_checks(read: Reader, webhook_url: str | None, api_base_url: str) -> str:
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
