"""Numbered schema migrations, applied in order by `PRAGMA user_version` (see `SqliteStore`)."""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import StorageError

if TYPE_CHECKING:  # only the type: applying migrations never needs more than the connection given
    import aiosqlite

# Numbered schema migrations: MIGRATIONS[i] brings the database from user_version i to i + 1.
# Never edit a step that has shipped; add a new one. Any new column is a privacy decision: the
# schema test in tests/test_store.py lists every allowed column and fails until it is reviewed.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE sessions (
            key TEXT PRIMARY KEY,          -- HMAC-SHA256 pseudonym (hex), never a Telegram id
            state TEXT NOT NULL,           -- SessionState.to_dict() as JSON
            message_ids TEXT NOT NULL,     -- JSON list of this chat's message ids
            log_id TEXT NOT NULL,          -- random per-session id for log lines
            updated_at REAL NOT NULL       -- unix seconds of the last activity
        ) WITHOUT ROWID""",
        "CREATE INDEX sessions_by_age ON sessions (updated_at)",
        """CREATE TABLE counts (
            iso_week TEXT NOT NULL,        -- 'YYYY-Www'; never a finer time
            kind TEXT NOT NULL,            -- entry, node, contact, outcome
            name TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (iso_week, kind, name)
        ) WITHOUT ROWID""",
    ),
    (
        # One row: how far the bot got through Telegram's update queue, so that after a crash
        # the updates it fetched but had not handled come again and the handled ones do not.
        # Telegram's own counter; it says nothing about any user.
        """CREATE TABLE polling (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last_update_id INTEGER NOT NULL,  -- the last Telegram update_id handled
            handled_at REAL NOT NULL          -- unix seconds; older than a day is ignored
        )""",
    ),
    (
        # Chats are answered side by side, so updates finish out of order: polling.last_update_id
        # now says "every update up to here was handled", and this table holds the ids above it
        # that were handled already, so that after a crash they are not answered twice. A few
        # rows at most, each gone once the position passes it (or after a day).
        """CREATE TABLE handled_updates (
            update_id INTEGER PRIMARY KEY,    -- a Telegram update_id, handled out of order
            handled_at REAL NOT NULL          -- unix seconds; older than a day is ignored
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


async def migrate(db: aiosqlite.Connection, path: Path) -> None:
    """Bring the database at `path` up to SCHEMA_VERSION, one step per transaction."""
    version = await user_version(db)
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"the session database {path} has schema version {version}, newer than this "
            f"Wegwijzer understands ({SCHEMA_VERSION}); upgrade Wegwijzer, or point "
            "WEGWIJZER_DATABASE at another file"
        )
    for number in range(version, SCHEMA_VERSION):
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[number]:
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version = {number + 1}")
            await db.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error, ValueError):  # the original error is the one to report
                if db.in_transaction:
                    await db.execute("ROLLBACK")
            raise


async def user_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0
