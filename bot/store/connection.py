"""How the SQLite store opens its one connection and sets it up (see `bot.store.database`)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import suppress
from pathlib import Path

import aiosqlite

from bot.errors import StorageError

BUSY_TIMEOUT_MS = 5000
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024  # the WAL is cut back to this after a checkpoint

# How the store gets its connection: `connect` unless a test hands in one that keeps a handle
Connector = Callable[[Path, int], Awaitable[aiosqlite.Connection]]


async def connect(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    """One aiosqlite connection in autocommit mode, opened only after a plain open succeeded.

    A failed `aiosqlite.connect` stops its worker thread without waiting for it, and that thread
    then dies noisily if the event loop is gone first. Opening the file once with the standard
    library beforehand turns the likely failures (no such folder, not a file, no permission)
    into a plain sqlite3 error before any thread exists.
    """
    timeout = busy_timeout_ms / 1000
    await asyncio.get_running_loop().run_in_executor(None, _try_open, path, timeout)
    return await aiosqlite.connect(path, isolation_level=None, timeout=timeout)


def _try_open(path: Path, timeout: float) -> None:
    sqlite3.connect(path, timeout=timeout).close()


async def configure(db: aiosqlite.Connection, busy_timeout_ms: int) -> None:
    """The pragmas the store's promises rest on; StorageError when this SQLite cannot keep them."""
    await db.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    await db.execute("PRAGMA secure_delete = ON")
    await db.execute("PRAGMA temp_store = MEMORY")
    await db.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
    if str(await pragma(db, "journal_mode = WAL")).lower() != "wal":
        raise StorageError(
            "could not switch the session database to WAL mode; is it on a network drive?"
        )
    await db.execute("PRAGMA synchronous = NORMAL")
    if await pragma(db, "secure_delete") != 1:
        raise StorageError("this SQLite cannot turn on secure_delete; upgrade SQLite")
    try:
        await db.execute_fetchall("SELECT json_extract('[1]', '$[0]')")
    except sqlite3.OperationalError:
        raise StorageError("this SQLite has no JSON functions, which saving needs; upgrade "
                           "SQLite (3.38 and later have them built in)") from None


async def pragma(db: aiosqlite.Connection, statement: str) -> object:
    rows = list(await db.execute_fetchall(f"PRAGMA {statement}"))
    return rows[0][0] if rows else None


async def close_quietly(db: aiosqlite.Connection) -> None:
    with suppress(sqlite3.Error, ValueError):
        await db.close()
