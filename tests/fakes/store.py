"""A handle on the SQLite store's own connection, for fault switches in tests.

Faults such as a full disk (`PRAGMA max_page_count`) or a read-only database (`PRAGMA query_only`)
are per-connection settings, so a test must reach the connection the store uses. `ConnectionTap`
is handed to `SqliteStore(..., connector=tap)`: it opens the connection exactly as the store
would, and keeps it, so no test reaches into the store's private attributes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bot.store.connection import connect

NO_PAGE_LIMIT = 1_073_741_823


class ConnectionTap:
    """Opens the store's connections with the real `connect` and remembers the latest one."""

    def __init__(self) -> None:
        self.connections: list[aiosqlite.Connection] = []

    async def __call__(self, path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
        connection = await connect(path, busy_timeout_ms)
        self.connections.append(connection)
        return connection

    @property
    def connection(self) -> aiosqlite.Connection:
        assert self.connections, "the store has not opened a connection yet"
        return self.connections[-1]

    async def pragma(self, statement: str) -> None:
        """Run a per-connection PRAGMA on the store's connection (e.g. `query_only = ON`)."""
        await self.connection.execute(f"PRAGMA {statement}")

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
