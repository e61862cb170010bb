"""A handle on the SQLite store's own connection, for fault switches in tests.

Faults such as a full disk (`PRAGMA max_page_count`) or a read-only database (`PRAGMA query_only`)
are per-connection settings, so a test must reach the connection the store uses. `ConnectionTap`
is handed to `SqliteStore(..., connector=tap, writer_connector=tap.writer)`: it opens the
store's connections exactly as the store would (the aiosqlite one, and the plain one saves are
written through, `bot.store.writer`) and keeps them, so a fault reaches both and no test reaches
into the store's private attributes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bot.store.connection import connect
from bot.store.writer import open_writer

NO_PAGE_LIMIT = 1_073_741_823


class ConnectionTap:
    """Opens the store's connections with the real `connect` and remembers the latest one."""

    def __init__(self) -> None:
        self.connections: list[aiosqlite.Connection] = []
        self.writers: list[sqlite3.Connection] = []
        self._pragmas: list[str] = []  # per-connection faults in force, for a writer opened later

    async def __call__(self, path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
        connection = await connect(path, busy_timeout_ms)
        self.connections.append(connection)
        return connection

    def writer(self, path: Path) -> sqlite3.Connection:
        """The store's writer, opened as the store would, with the faults already in force."""
        writer = open_writer(path)
        for statement in self._pragmas:
            writer.execute(f"PRAGMA {statement}")
        self.writers.append(writer)
        return writer

    @property
    def connection(self) -> aiosqlite.Connection:
        assert self.connections, "the store has not opened a connection yet"
        return self.connections[-1]

    async def pragma(self, statement: str) -> None:
        """Run a per-connection PRAGMA on the store's connections (e.g. `query_only = ON`)."""
        # execute_fetchall, not execute: an unread cursor keeps a read snapshot open, and this
        # connection would then not see what the writer saves afterwards
        await self.connection.execute_fetchall(f"PRAGMA {statement}")
        for writer in self.writers:
            writer.execute(f"PRAGMA {statement}")
        self._pragmas.append(statement)

    async def fill_disk(self, filler: str = "test-filler-") -> None:
        """Cap the file at its present pages and use up their free room: nothing new fits."""
        rows = list(await self.connection.execute_fetchall("PRAGMA page_count"))
        await self.pragma(f"max_page_count = {int(rows[0][0]) if rows else 1}")
        for number in range(10_000):
            try:
                await self.connection.execute(
                    "INSERT INTO sessions (key, state, message_ids, log_id, updated_at) "
                    "VALUES (?, '{}', '[]', '', 0)", (f"{filler}{number:05d}",))
            except sqlite3.OperationalError as error:
                if "full" not in str(error):
                    raise
                return

    async def free_disk(self) -> None:
        await self.pragma(f"max_page_count = {NO_PAGE_LIMIT}")
