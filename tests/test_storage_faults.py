"""Storage faults: every SQLite failure leaves as StorageError, says what to do, and heals.

The faults are SQLite's own: a full database (`max_page_count`), a read-only connection
(`query_only`, which raises the same SQLITE_READONLY a read-only file does; the tests run as root
here, where file modes do not stop writes), a lock held by another process, a file that is not a
database, a folder that does not exist, and a SIGKILL in the middle of writing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.flow.session import SessionState, Tally
from bot.store import StoredSession
from bot.store.database import SqliteStore
from tests.fakes.store import ConnectionTap

NOW = 1_800_000_000.0
KEY = "c0ffee" * 10 + "abcd"
STATE = SessionState(node="dreiging", variables=(("rol", "wethouder"),))


def stored(at: float = NOW) -> StoredSession:
    return StoredSession(state=STATE, message_ids=(1, 2, 3), log_id="feedface", updated_at=at)


@pytest.fixture
def tap() -> ConnectionTap:
    """The store's connection, for the per-connection fault switches (full disk, read-only)."""
    return ConnectionTap()


@pytest.fixture
async def store(tmp_path: Path, tap: ConnectionTap):
    opened = SqliteStore(tmp_path / "db.sqlite3", retention_seconds=3600, busy_timeout_ms=100,
                         connector=tap, writer_connector=tap.writer)
    await opened.open()
    yield opened
    await opened.close()




def assert_says_nothing_personal(error: StorageError) -> None:
    message = str(error)
    assert KEY not in message
    assert "dreiging" not in message
    assert "wethouder" not in message
    assert error.__cause__ is None  # the sqlite3 error (and its SQL) is not chained along


async def test_a_missing_folder_is_named_with_the_fix(tmp_path):
    """A database path in a folder that does not exist names the folder and says to create it."""
    store = SqliteStore(tmp_path / "nope" / "db.sqlite3", retention_seconds=3600)
    with pytest.raises(StorageError, match=r"folder .*nope does not exist; create it"):
        await store.open()


async def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path):
    """A file that is not SQLite is refused as SQLITE_NOTADB with what to check."""
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is not a database, just some text\n" * 100)
    with pytest.raises(StorageError, match="SQLITE_NOTADB: the file is not a SQLite database"):
        await SqliteStore(path, retention_seconds=3600).open()


async def fill(store: SqliteStore, big: StoredSession) -> None:
    for index in range(50):
        await store.save(f"{KEY}{index}", big)


async def test_a_full_disk_raises_storage_error_and_the_store_recovers(store, tap):
    """'database or disk is full' becomes a StorageError; once space is back, saving works."""
    await store.save("filler", stored())
    await tap.pragma("max_page_count = 1")  # no room for anything new
    big = StoredSession(state=SessionState(node="x" * 40, back=("y" * 40,) * 20), updated_at=NOW)
    with pytest.raises(StorageError, match="SQLITE_FULL: the disk is full") as raised:
        await fill(store, big)
    assert raised.value.args[0].startswith("could not save a session")
    assert_says_nothing_personal(raised.value)
    with pytest.raises(StorageError, match="SQLITE_FULL"):
        await store.count([Tally("node", f"n{index}") for index in range(500)], _week())

    await tap.pragma("max_page_count = 1073741823")
    await store.save(KEY, stored())
    assert await store.load(KEY, NOW) == stored()
    assert await store.integrity_check() == ["ok"]


async def test_a_read_only_database_raises_storage_error_on_every_write(store, tap):
    """On a read-only database every kind of write raises SQLITE_READONLY while reads go on."""
    await store.save(KEY, stored())
    await tap.pragma("query_only = ON")
    writes = [
        store.save(KEY, stored(NOW + 1)),
        store.delete(KEY),
        store.purge_expired(NOW + 10_000),
        store.count([Tally("entry", "start")], _week()),
    ]
    for write in writes:
        with pytest.raises(StorageError, match="SQLITE_READONLY: the database is read-only"):
            await write
    assert await store.load(KEY, NOW) == stored()  # reading still works
    await tap.pragma("query_only = OFF")
    await store.delete(KEY)
    assert await store.load(KEY, NOW) is None


async def open_and_save(store: SqliteStore) -> None:
    await store.open()
    await store.save(KEY, stored())


@pytest.mark.skipif(os.geteuid() == 0, reason="file modes do not stop root from writing")
async def test_a_read_only_file_raises_storage_error(tmp_path):
    """A database file without write permission gives StorageError on open or save, never a crash."""
    path = tmp_path / "db.sqlite3"
    async with SqliteStore(path, retention_seconds=3600) as first:
        await first.save(KEY, stored())
    path.chmod(0o400)
    store = SqliteStore(path, retention_seconds=3600)
    try:
        with pytest.raises(StorageError):
            await open_and_save(store)
    finally:
        await store.close()
        path.chmod(0o600)


async def test_a_lock_held_by_another_process_times_out_as_storage_error(store):
    """Another writer holding the lock past the busy timeout gives SQLITE_BUSY, then heals."""
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageError, match="SQLITE_BUSY: the database is locked"):
            await store.save(KEY, stored())
        other.execute("ROLLBACK")
    finally:
        other.close()
    await store.save(KEY, stored())
    assert await store.load(KEY, NOW) == stored()


async def test_an_unopenable_path_is_storage_error_not_sqlite3(tmp_path):
    """A folder where the database file should be gives StorageError, not a sqlite3 error."""
    directory = tmp_path / "db.sqlite3"
    directory.mkdir()  # a folder where the file should be
    with pytest.raises(StorageError, match="could not open the session database"):
        await SqliteStore(directory, retention_seconds=3600).open()


def _week():
    from datetime import UTC, datetime

    return datetime(2026, 11, 25, tzinfo=UTC)


# -- kill and restart ----------------------------------------------------------------------------

WRITER = """
import asyncio, sys
from pathlib import Path
from bot.flow.session import SessionState, Tally
from bot.store.database import SqliteStore
from bot.store import StoredSession
from datetime import datetime, timezone

async def main():
    store = SqliteStore(Path(sys.argv[1]), retention_seconds=3600)
    await store.open()
    step = 0
    while True:
        for user in range(50):
            state = SessionState(node=f"node{step % 7}", back=("start",) * (step % 5))
            await store.save(f"user{user:03d}", StoredSession(state, (step, user), "id", 1e9 + step))
            await store.count([Tally("node", f"node{step % 7}")], datetime.now(timezone.utc))
        step += 1
        print(step, flush=True)

asyncio.run(main())
"""


def wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_a_kill_in_the_middle_of_writes_leaves_a_sound_resumable_database(tmp_path):
    """SIGKILL while 50 users are being saved: integrity stays ok and every session loads."""
    path = tmp_path / "db.sqlite3"
    for _round in range(3):
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", WRITER, str(path),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        assert child.stdout is not None
        started = time.monotonic()
        while True:  # wait until it is well into writing, then kill it mid-transaction
            line = await asyncio.wait_for(child.stdout.readline(), timeout=30)
            if not line:
                _, errors = await child.communicate()
                pytest.fail(f"the writer died: {errors.decode()}")
            if int(line) >= 3 or time.monotonic() - started > 20:
                break
        child.send_signal(signal.SIGKILL)
        await child.communicate()
        assert child.returncode == -signal.SIGKILL

        assert wal_size(path) > 0  # it really died with a live WAL
        async with SqliteStore(path, retention_seconds=1e12) as store:
            assert await store.integrity_check() == ["ok"]
            loaded = [await store.load(f"user{user:03d}", 2e9) for user in range(50)]
            assert all(session is not None for session in loaded)
            assert {s.state.node for s in loaded if s} <= {f"node{n}" for n in range(7)}
            assert sum(c.n for c in await store.weekly_counts(1)) >= 150
