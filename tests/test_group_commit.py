"""Saves that queue up while one is written go together, and each still learns its own fate."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.flow.session import SessionState, Tally
from bot.store import StoredSession
from bot.store.database import SqliteStore
from bot.store.group_commit import GroupCommit

NOW = 1_800_000_000.0


class Disk:
    """Records each write (a list of rows); a write that holds a row named "bad" fails."""

    def __init__(self) -> None:
        self.writes: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def write(self, rows: Sequence[str]) -> None:
        await self.gate.wait()
        await asyncio.sleep(0)
        self.writes.append(list(rows))
        if "bad" in rows:
            raise StorageError("could not save a session (the disk is full)")


async def test_saves_that_queue_while_one_is_written_go_together_in_the_next_write() -> None:
    """The first save goes at once; the five that arrive meanwhile share one write after it."""
    disk = Disk()
    commit = GroupCommit(disk.write)
    disk.gate.clear()
    first = asyncio.ensure_future(commit.save("a"))
    await asyncio.sleep(0)
    others = [asyncio.ensure_future(commit.save(name)) for name in "bcdef"]
    await asyncio.sleep(0)
    assert not any(task.done() for task in [first, *others])  # nothing returns before its write
    disk.gate.set()
    await asyncio.gather(first, *others)
    assert disk.writes == [["a"], ["b", "c", "d", "e", "f"]]


async def test_a_bad_row_in_a_shared_write_fails_only_its_own_save() -> None:
    """When a shared write fails, its rows are written one by one: only "bad" raises."""
    disk = Disk()
    commit = GroupCommit(disk.write)
    disk.gate.clear()
    first = asyncio.ensure_future(commit.save("a"))
    await asyncio.sleep(0)
    good, bad, also_good = (asyncio.ensure_future(commit.save(n)) for n in ("b", "bad", "c"))
    disk.gate.set()
    await asyncio.gather(first, good, also_good)
    with pytest.raises(StorageError):
        await bad
    assert disk.writes == [["a"], ["b", "bad", "c"], ["b"], ["bad"], ["c"]]


async def test_concurrent_saves_of_many_users_are_all_committed_with_their_counts(
    tmp_path: Path,
) -> None:
    """Fifty users saving at once: every session, count and handled update is in the file."""
    store = SqliteStore(tmp_path / "wegwijzer.sqlite3", retention_seconds=3600)
    await store.open()
    when = datetime(2026, 12, 1, tzinfo=UTC)
    try:
        await asyncio.gather(*(
            store.save(f"key{n}", StoredSession(SessionState("start"), updated_at=NOW),
                       tallies=[Tally("entry", "start")], when=when, update_id=100 + n,
                       settled=99)
            for n in range(50)
        ))
        assert len(await store.keys()) == 50
        [count] = await store.weekly_counts(1, now=when)
        assert count.n == 50
        position = await store.polling_position(NOW)
        assert position is not None
        assert position.handled == frozenset(range(100, 150))
    finally:
        await store.close()
