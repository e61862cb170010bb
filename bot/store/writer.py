"""Saves written on the event loop's own thread, through a second, plain sqlite3 connection.

A save is one statement of about 60 µs of CPU (`bench/store_bench.py`). Sending it to
aiosqlite's worker thread and back cost about 160 µs more: a queue, a thread wake-up, the GIL
handed over twice and a wake-up of the event loop, on every update. Measured end to end, the store
made a /start burst 1.48× the floor's CPU and 0.66× its throughput against 1.09× and 0.90× with
the in-memory store (`bench/paired.py`, wegwijzer-memory). So the hot write runs here, where it
costs only itself. What keeps that from stalling the loop:

- busy timeout 0: when another connection holds the write lock (a checkpoint after an erase, a
  purge, another process), the write fails at once with SQLITE_BUSY, before changing anything,
  and the caller sends the same statement to aiosqlite's thread, which waits there instead;
- no automatic checkpoint on this connection (that would fsync on the loop): every
  `CHECKPOINT_EVERY` writes the caller has aiosqlite's thread run a TRUNCATE checkpoint, which
  holds the write lock, so the saves meanwhile wait there (a PASSIVE one beside a steady stream
  of saves never caught up: the WAL reached 15 MB in 3,000 saves);
- in WAL with synchronous=NORMAL a commit is a write() into the page cache, never an fsync, and it
  survives a crash or kill of the process all the same (see `bot.store.database`).

The connection has the store's other safety settings (secure_delete, temp_store=MEMORY) and its
own TEMP view and trigger that make a save one statement (`bot.store.statements`).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.errors import StorageError
from bot.store import statements as sql
from bot.store.connection import JOURNAL_SIZE_LIMIT

CHECKPOINT_EVERY = 500  # writes between two checkpoints: the WAL stays near 2 MB

# How the store opens its writer: `open_writer` unless a test hands in one that keeps a handle.
WriterConnector = Callable[[Path], sqlite3.Connection]


def open_writer(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection in autocommit mode that never waits for a lock."""
    return sqlite3.connect(path, isolation_level=None, timeout=0)


class LockedNow(Exception):
    """The write lock is taken by another connection at this moment; nothing was written."""


class LoopWriter:
    """Runs the save statements on the calling (event loop) thread; opened on first use."""

    def __init__(self, path: Path, opener: WriterConnector = open_writer) -> None:
        self.path = path
        self._opener = opener
        self._db: sqlite3.Connection | None = None
        self._since_checkpoint = 0

    def write(self, statement: str, parameters: Sequence[Any]) -> bool:
        """Run one statement; True when a checkpoint is due. LockedNow: try it elsewhere."""
        db = self._db if self._db is not None else self._open()
        try:
            db.execute(statement, parameters)
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                raise LockedNow from None
            raise
        except sqlite3.ProgrammingError:  # closed underneath us: make a new one next time
            self.close()
            raise
        self._since_checkpoint += 1
        if self._since_checkpoint < CHECKPOINT_EVERY:
            return False
        self._since_checkpoint = 0
        return True

    def _open(self) -> sqlite3.Connection:
        db = self._opener(self.path)
        try:
            db.execute("PRAGMA busy_timeout = 0")
            db.execute("PRAGMA secure_delete = ON")
            db.execute("PRAGMA temp_store = MEMORY")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA wal_autocheckpoint = 0")
            db.execute(f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}")
            if db.execute("PRAGMA secure_delete").fetchone()[0] != 1:
                raise StorageError("this SQLite cannot turn on secure_delete; upgrade SQLite")
            for statement in sql.SAVE_STEP_SETUP:
                db.execute(statement)
        except BaseException:
            db.close()
            raise
        self._db = db
        return db

    def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()
