"""Everything `wegwijzer run` needs, checked at once before it registers a webhook or takes an update.

Every setting, the database (open, write, migrate), the guide and, in webhook mode, the listening
socket. Each problem is one line that names its setting and the fix, and all of them come
together, so one edit of `.env` can fix them all. `wegwijzer doctor` runs the very same checks
with `dry=True`: then nothing is created or changed on disk (the database is read, never
created or migrated; a probe file in its folder is removed at once).

A database that fails *while running* is degraded around (answers from memory, `storage_error`);
at start-up the same failure is a configuration error, because nothing has been promised yet.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import socket
import sqlite3
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bot.errors import SettingProblem, StorageError
from bot.flow.loader import LoadResult, load_guide
from bot.flows_folder import for_bot, missing_en
from bot.settings import Settings, places_from, resolve
from bot.store import SCHEMA_VERSION

DATABASE = "WEGWIJZER_DATABASE"


@dataclass
class Preflight:
    """What the checks found: the settings (None when any is wrong), every problem by check, the
    loaded guide, and one line about the database for `doctor`."""

    settings: Settings | None
    flows_dir: Path
    guide: LoadResult | None
    problems: dict[str, list[SettingProblem]] = field(default_factory=dict)
    database_summary: str = ""

    def add(self, check: str, problem: SettingProblem) -> None:
        self.problems.setdefault(check, []).append(problem)

    @property
    def all_problems(self) -> list[SettingProblem]:
        return [problem for found in self.problems.values() for problem in found]

    @property
    def guide_ok(self) -> bool:
        return self.guide is not None and self.guide.ok

    @property
    def ready(self) -> bool:
        """True exactly when `wegwijzer run` would start."""
        return self.settings is not None and not self.all_problems and self.guide_ok


async def preflight(env: Mapping[str, str], *, dry: bool = False) -> Preflight:
    """Run every check on the gathered settings `env` (see bot.settings.gather)."""
    settings, problems = resolve(env, require_token=True)
    places = places_from(env)
    flows_dir = for_bot(env, places.flows_dir)
    found = Preflight(settings, flows_dir, None)
    for problem in problems:
        found.add("settings", problem)
    if flows_dir.is_dir():
        found.guide = await asyncio.to_thread(load_guide, flows_dir)
    else:
        found.add("flows", SettingProblem("WEGWIJZER_FLOWS_DIR", missing_en(flows_dir)))
    # With a setting wrong the bot will not start, so nothing is created: the database is only read.
    database_problem, found.database_summary = await check_database(places.database, dry=dry or bool(problems))
    if database_problem is not None:
        found.add("database", database_problem)
    if settings is not None and settings.webhook_mode:
        listener = await asyncio.to_thread(check_listener, settings.webhook_listen, settings.webhook_port)
        if listener is not None:
            found.add("webhook port", listener)
    return found


# --- the database ------------------------------------------------------------------------------


def _database_problem(fix: str) -> SettingProblem:
    return SettingProblem(DATABASE, f"{DATABASE}: {fix}")


def _where_it_goes(path: Path) -> SettingProblem | None:
    """Problems visible from the path alone: a folder, a missing folder, a folder we cannot write."""
    if path.is_dir():
        return _database_problem(f"{path} is a folder; give a file name inside it, such as "
                                 f"{path / 'wegwijzer.sqlite3'}.")
    folder = path.parent
    if not folder.is_dir():
        return _database_problem(f"the folder {folder} does not exist; create it (mkdir -p {folder}) "
                                 "or point WEGWIJZER_DATABASE at a file in an existing folder.")
    try:  # SQLite needs to create its -wal and -shm files next to the database
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".wegwijzer-probe-"):
            pass
    except OSError as error:
        return _database_problem(f"cannot create files in {folder} ({error.strerror or error}); "
                                 "give the bot's user write access to it, or choose another folder.")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return _database_problem(f"{path} is not readable and writable by this user; fix its owner "
                                 "(chown) or mode (chmod 600).")
    return None


async def check_database(path: Path, *, dry: bool) -> tuple[SettingProblem | None, str]:
    """Can `run` open, write and migrate the database? With `dry`, read it without changing it."""
    problem = await asyncio.to_thread(_where_it_goes, path)
    if problem is not None:
        return problem, ""
    if dry:
        return await asyncio.to_thread(_read_only_check, path)
    return await _open_for_real(path)


async def _open_for_real(path: Path) -> tuple[SettingProblem | None, str]:
    from bot.store.database import SqliteStore

    store = SqliteStore(path, retention_seconds=3600)
    try:
        await store.open()  # creates the file owner-only and migrates it
        try:
            await store.purge_expired(time.time())  # a write, as every update will make
        finally:
            await store.close()
    except StorageError as error:
        return _database_problem(f"{error}."), ""
    return None, f"{path}: opened, written and at schema version {SCHEMA_VERSION}"


def _read_only_check(path: Path) -> tuple[SettingProblem | None, str]:
    if not path.exists():
        return None, f"{path} does not exist yet; `wegwijzer run` creates it (owner-only)"
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        with sqlite3.connect(uri, uri=True, timeout=5) as db:
            integrity = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            journal = str(db.execute("PRAGMA journal_mode").fetchone()[0])
            tables = {str(row[0]) for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            sessions = db.execute("SELECT count(*) FROM sessions").fetchone()[0] if "sessions" in tables else 0
        db.close()
    except sqlite3.DatabaseError as error:
        reason = "not a SQLite database" if "not a database" in str(error) else str(error)
        return _database_problem(f"{path} cannot be read as the session database ({reason}); check "
                                 "WEGWIJZER_DATABASE, or move the file aside and start with an empty one."), ""
    if integrity != ["ok"]:
        return _database_problem(f"{path}: SQLite's integrity check found problems ({integrity[0]}); stop "
                                 "the bot, move the file (and its -wal and -shm) aside and start again."), ""
    if version > SCHEMA_VERSION:
        return _database_problem(f"{path} has schema version {version}, newer than this Wegwijzer "
                                 f"understands ({SCHEMA_VERSION}); upgrade Wegwijzer, or point "
                                 "WEGWIJZER_DATABASE at another file."), ""
    size = sum(Path(f"{path}{suffix}").stat().st_size for suffix in ("", "-wal", "-shm")
               if Path(f"{path}{suffix}").exists())
    upgrade = "" if version == SCHEMA_VERSION else f" (`run` brings it to {SCHEMA_VERSION})"
    return None, (f"{path}: integrity ok, schema version {version}{upgrade}, {_size(size)}, "
                  f"{sessions} live session(s), journal {journal}")


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


# --- the listening socket (webhook mode) -------------------------------------------------------


def check_listener(listen: str, port: int) -> SettingProblem | None:
    """Can the webhook server listen on `listen:port`? Bound and released at once; nothing listens."""
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(listen).version == 6 else socket.AF_INET
    except ValueError:
        family = socket.AF_INET  # "localhost": settings allow only addresses and localhost
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the webhook server does
        try:
            probe.bind((listen, port))
        except OSError as error:
            return _socket_problem(listen, port, error)
    return None


def _socket_problem(listen: str, port: int, error: OSError) -> SettingProblem:
    if error.errno == errno.EADDRINUSE:
        return SettingProblem("WEBHOOK_PORT", f"WEBHOOK_PORT: port {port} on {listen} is already in use (is "
                              "another Wegwijzer or server running?); stop it or choose another WEBHOOK_PORT.")
    if error.errno == errno.EACCES:
        return SettingProblem("WEBHOOK_PORT", f"WEBHOOK_PORT: this user may not listen on port {port} (ports "
                              "below 1024 need privileges); use a port such as 8443 behind the reverse proxy.")
    return SettingProblem("WEBHOOK_LISTEN", f"WEBHOOK_LISTEN: cannot listen on {listen} ({error.strerror or error}); "
                          "use an address of this machine, such as 127.0.0.1 behind a reverse proxy.")
