"""Saves written on the event loop's thread: they never hold the loop up, and the WAL stays small."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from pathlib import Path

from bot.flow.session import SessionState
from bot.store import StoredSession
from bot.store.connection import JOURNAL_SIZE_LIMIT
from bot.store.database import SqliteStore
from bot.store.writer import CHECKPOINT_EVERY

NOW = 1_800_000_000.0


def wal_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def stored(node: str = "dreiging") -> StoredSession:
    state = SessionState(node=node, back=("start", "menu"), variables=(("rol", "wethouder"),))
    return StoredSession(state=state, message_ids=(4, 5), log_id="0badcafe", updated_at=NOW)


async def test_a_save_behind_another_process_lock_waits_off_the_loop_and_then_lands(tmp_path: Path) -> None:
    """While another process holds the write lock, other work on the loop goes on; then the save lands."""
    path = tmp_path / "db.sqlite3"
    async with SqliteStore(path, retention_seconds=3600, busy_timeout_ms=3000) as store:
        await store.save("first", stored("start"))  # the writer is open and warm
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            loop = asyncio.get_running_loop()
            loop.call_later(0.4, other.execute, "ROLLBACK")
            saving = asyncio.ensure_future(store.save("second", stored()))
            ticks = []
            started = time.monotonic()
            while not saving.done() and time.monotonic() - started < 2.5:
                await asyncio.sleep(0.02)
                ticks.append(time.monotonic())
            await saving
        finally:
            other.close()
        gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
        assert len(ticks) >= 10, "the save held the event loop while it waited for the lock"
        assert max(gaps) < 0.2, f"the loop stood still for {max(gaps):.2f} s"
        assert await store.load("second", NOW) == stored()


async def test_the_wal_stays_small_over_many_saves(tmp_path: Path) -> None:
    """Thousands of saves keep the -wal file under the journal size limit: it is checkpointed."""
    path = tmp_path / "db.sqlite3"
    saves = 3 * CHECKPOINT_EVERY
    async with SqliteStore(path, retention_seconds=3600) as store:
        for number in range(saves):
            await store.save(f"user{number % 400:04d}", stored(f"node{number % 9}"))
            if number % 10 == 0:
                await asyncio.sleep(0)  # as between updates, when the loop serves Telegram
        await asyncio.sleep(0.2)
        assert wal_bytes(path) < JOURNAL_SIZE_LIMIT
        last = max(number for number in range(saves) if number % 400 == 399)
        assert await store.load("user0399", NOW) == stored(f"node{last % 9}")
