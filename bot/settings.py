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
value. `.env.example` documents every key; `FLAG_KEYS` lists which flag sets which key. The
rule for each key (how it is read and checked) is in `bot.setting_rules`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import SettingProblem, SettingsError
from bot.setting_rules import (
    DEFAULT_API_BASE_URL,
    LOG_FORMATS,
    LOG_LEVELS,
    MIN_SECRET_BYTES,
    Reader,
    port,
    secret_key,
    token,
    webhook_checks,
    webhook_secret,
)

__all__ = [
    "DEFAULT_API_BASE_URL", "DOTENV", "FLAG_KEYS", "MIN_SECRET_BYTES", "Places", "SettingProblem",
    "Settings", "SettingsError", "flags_from", "gather", "load_settings", "places_for", "places_from",
    "resolve",
]

DEFAULT_DATABASE = Path("wegwijzer.sqlite3")
DEFAULT_FLOWS_DIR = Path("flows")
DOTENV = Path(".env")

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


def places_from(env: Mapping[str, str]) -> Places:
    """The non-secret part of a gathered mapping; any non-empty value is a usable path."""
    read = Reader(env)
    return Places(
        flows_dir=Path(read.text("WEGWIJZER_FLOWS_DIR") or DEFAULT_FLOWS_DIR),
        database=Path(read.text("WEGWIJZER_DATABASE") or DEFAULT_DATABASE),
    )


def resolve(
    env: Mapping[str, str], *, require_token: bool = False
) -> tuple[Settings | None, list[SettingProblem]]:
    """Every setting from a gathered mapping, and every problem in it (settings None if any)."""
    read = Reader(env)
    webhook_url = read.url("WEBHOOK_URL")
    webhook_wanted = read.text("WEBHOOK_URL") is not None
    places = places_from(env)
    api_base_url = read.url("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL
    settings = Settings(
        secret_key=secret_key(read),
        token=token(read, required=require_token),
        database=places.database,
        flows_dir=places.flows_dir,
        api_base_url=api_base_url,
        log_level=read.choice("LOG_LEVEL", "INFO", LOG_LEVELS),
        log_format=read.choice("LOG_FORMAT", "auto", LOG_FORMATS),
        webhook_url=webhook_url,
        webhook_listen=webhook_checks(read, webhook_url, api_base_url),
        webhook_port=port(read),
        webhook_secret=webhook_secret(read, webhook=webhook_wanted),
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
