"""The SQLite session store: schema, round trips, retention, erasure and the weekly counts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.flow.session import SessionState, Tally
from bot.pseudonym import pseudonym
from bot.store import (
    SCHEMA_VERSION,
    MemoryStore,
    PollingPosition,
    StoredSession,
    WeeklyCount,
    iso_week,
)
from bot.store.database import SqliteStore

HOUR = 3600.0
NOW = 1_800_000_000.0
SECRET = b"k" * 40

# Every column the database may have. A new column is a privacy decision: extend this list only
# after deciding that what it holds cannot identify a user or tell what they asked about.
ALLOWED_SCHEMA = {
    "sessions": ["key", "state", "message_ids", "log_id", "updated_at"],
    "counts": ["iso_week", "kind", "name", "n"],
    "polling": ["id", "last_update_id", "handled_at"],  # Telegram's counter, no user in it
    "handled_updates": ["update_id", "handled_at"],  # the same counter, handled out of order
}


def session(node: str = "start", *, at: float = NOW, **variables: str) -> StoredSession:
    state = SessionState(
        node=node, back=("start",), language="en", variables=tuple(sorted(variables.items())),
        flow_version="v1",
    )
    return StoredSession(state=state, message_ids=(11, 12), log_id="a1b2c3d4", updated_at=at)


@pytest.fixture
async def store(tmp_path: Path):
    opened = SqliteStore(tmp_path / "wegwijzer.sqlite3", retention_seconds=6 * HOUR)
    await opened.open()
    yield opened
    await opened.close()


def artifacts(path: Path) -> bytes:
    """The database file and its -wal and -shm companions, as an attacker copying them sees them."""
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            data += part.read_bytes()
    return data


def wal_size(path: Path) -> int:
    return Path(f"{path}-wal").stat().st_size


def file_modes(path: Path) -> list[int]:
    return [Path(f"{path}{suffix}").stat().st_mode & 0o777 for suffix in ("", "-wal", "-shm")]


async def test_a_new_database_gets_the_current_schema_and_only_the_allowed_columns(store):
    """An empty file is migrated to the latest version, with exactly the reviewed columns."""
    assert await store.schema_version() == SCHEMA_VERSION
    with sqlite3.connect(store.path) as raw:
        tables = [row[0] for row in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        columns = {table: [row[1] for row in raw.execute(f"PRAGMA table_info({table})")]
                   for table in tables}
    assert columns == ALLOWED_SCHEMA


async def test_the_connection_is_durable_and_wipes_what_it_deletes(store):
    """WAL, synchronous=NORMAL, secure_delete on, a busy timeout and scratch data kept in memory."""
    assert await store.durability() == {
        "journal_mode": "wal", "synchronous": 1, "secure_delete": 1, "busy_timeout": 5000,
        "temp_store": 2,  # MEMORY: a statement's scratch rows never go to a temporary file
    }


async def test_reopening_keeps_sessions_and_does_not_migrate_again(tmp_path):
    """A restart resumes the sessions that were live, on the same schema version."""
    path = tmp_path / "db.sqlite3"
    async with SqliteStore(path, retention_seconds=HOUR) as first:
        await first.save("k1", session("dreiging"))
    async with SqliteStore(path, retention_seconds=HOUR) as second:
        assert await second.schema_version() == SCHEMA_VERSION
        loaded = await second.load("k1", NOW + 60)
    assert loaded == session("dreiging")


async def test_a_database_from_a_newer_version_is_refused_with_a_clear_message(tmp_path):
    """Opening a file migrated by a later Wegwijzer fails instead of guessing at its schema."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    store = SqliteStore(path, retention_seconds=HOUR)
    with pytest.raises(StorageError, match="newer than this Wegwijzer understands"):
        await store.open()


async def test_a_session_round_trips_with_state_message_ids_and_log_id(store):
    """What is saved is what is loaded: node, back stack, language, variables, ids."""
    saved = session("online", rol="raadslid")
    await store.save("key", saved)
    assert await store.load("key", NOW + 1) == saved


async def test_saving_again_replaces_the_session(store):
    """A second save under the same key replaces the session instead of adding a row."""
    await store.save("key", session("start"))
    await store.save("key", session("nood", at=NOW + 5))
    loaded = await store.load("key", NOW + 6)
    assert loaded is not None
    assert loaded.state.node == "nood"
    assert await store.session_count() == 1


async def test_an_unknown_key_has_no_session(store):
    """Loading a pseudonym that was never saved gives None."""
    assert await store.load("nobody", NOW) is None


async def test_a_session_idle_past_retention_is_not_loaded(store):
    """After the retention time the user starts afresh, even before the purge has run."""
    await store.save("key", session(at=NOW))
    assert await store.load("key", NOW + 6 * HOUR - 1) is not None
    assert await store.load("key", NOW + 6 * HOUR + 1) is None


@pytest.mark.parametrize(
    ("state_json", "ids_json"),
    [
        ("{not json", "[]"),
        ('{"back": []}', "[]"),  # no node
        ('{"node": 5}', "[]"),
        ('{"node": "start"}', '["x"]'),
    ],
)
async def test_an_unreadable_row_counts_as_no_session(store, state_json, ids_json):
    """A damaged or foreign row never crashes the bot: the user simply starts again."""
    await store.save("key", session())
    await store.close()
    with sqlite3.connect(store.path) as raw:
        raw.execute("UPDATE sessions SET state = ?, message_ids = ?", (state_json, ids_json))
    await store.open()
    assert await store.load("key", NOW) is None


async def test_purge_removes_only_idle_sessions(store):
    """The purge removes sessions idle past the retention time and keeps the fresh ones."""
    await store.save("old", session(at=NOW - 7 * HOUR))
    await store.save("fresh", session(at=NOW - HOUR))
    assert await store.purge_expired(NOW) == 1
    assert await store.load("old", NOW - 7 * HOUR) is None
    assert await store.load("fresh", NOW) is not None
    assert await store.session_count() == 1


async def test_delete_forgets_at_once(store):
    """Delete forgets a session immediately, and deleting it again is harmless."""
    await store.save("key", session())
    await store.delete("key")
    assert await store.load("key", NOW) is None
    await store.delete("key")  # deleting twice is harmless (a second /wis)


CANARY = "CANARYSTATE7f3a9e"


@pytest.mark.parametrize("how", ["delete", "purge"])
async def test_an_erased_session_leaves_no_bytes_in_the_file_or_the_wal(store, how):
    """After /wis or expiry, the session's state is not readable in the db, -wal or -shm."""
    key = pseudonym(SECRET, 987654321012)
    await store.save("someone-else", session("start"))
    for step in range(5):  # several versions of the row, so older copies sit in the WAL
        await store.save(key, session(f"node{step}", at=NOW - 7 * HOUR, secret=CANARY))
    assert CANARY.encode() in artifacts(store.path)
    assert key.encode() in artifacts(store.path)
    if how == "delete":
        await store.delete(key)
    else:
        assert await store.purge_expired(NOW) == 1
    leftovers = artifacts(store.path)
    assert CANARY.encode() not in leftovers
    assert key.encode() not in leftovers
    assert wal_size(store.path) == 0
    assert await store.load("someone-else", NOW) is not None


async def test_counts_add_up_per_iso_week_kind_and_name(store):
    """Counts are kept per ISO week, with no key and no finer time."""
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for _ in range(3):
        await store.count([Tally("entry", "start"), Tally("node", "dreiging")], monday)
    await store.count([Tally("outcome", "emergency")], monday + timedelta(days=6, hours=14))
    await store.count([Tally("node", "dreiging")], monday - timedelta(days=1))  # week before
    counts = await store.weekly_counts(2, now=monday + timedelta(days=2))
    assert counts == [
        WeeklyCount("2026-W47", "node", "dreiging", 1),
        WeeklyCount("2026-W48", "entry", "start", 3),
        WeeklyCount("2026-W48", "node", "dreiging", 3),
        WeeklyCount("2026-W48", "outcome", "emergency", 1),
    ]
    assert await store.weekly_counts(1, now=monday) == counts[1:]
    with sqlite3.connect(store.path) as raw:
        weeks = {row[0] for row in raw.execute("SELECT iso_week FROM counts")}
    assert weeks == {"2026-W47", "2026-W48"}


async def test_weeks_are_iso_weeks_across_the_new_year(store):
    """31 December 2026 belongs to 2026-W53; 1 January 2027 too, 4 January 2027 to 2027-W01."""
    assert iso_week(datetime(2026, 12, 31, tzinfo=UTC)) == "2026-W53"
    assert iso_week(datetime(2027, 1, 1, tzinfo=UTC)) == "2026-W53"
    assert iso_week(datetime(2027, 1, 4, tzinfo=UTC)) == "2027-W01"
    await store.count([Tally("entry", "start")], datetime(2026, 12, 30, tzinfo=UTC))
    await store.count([Tally("entry", "start")], datetime(2027, 1, 5, tzinfo=UTC))
    counts = await store.weekly_counts(2, now=datetime(2027, 1, 6, tzinfo=UTC))
    assert [count.iso_week for count in counts] == ["2026-W53", "2027-W01"]


async def test_memory_store_counts_like_the_sqlite_store(store):
    """The in-memory twin aggregates the same way, so tests on it say something."""
    memory = MemoryStore()
    when = datetime(2026, 11, 25, tzinfo=UTC)
    for target in (memory, store):
        await target.count([Tally("contact", "ondersteuningsteam")], when)
        await target.count([Tally("contact", "ondersteuningsteam")], when)
    assert await memory.weekly_counts(1, now=when) == await store.weekly_counts(1, now=when)


async def test_a_closed_store_raises_storage_error(tmp_path):
    """Using a store that was never opened raises StorageError saying so, not a library error."""
    store = SqliteStore(tmp_path / "db.sqlite3", retention_seconds=HOUR)
    with pytest.raises(StorageError, match="not open"):
        await store.load("key", NOW)


async def test_the_database_file_is_private_to_its_owner(store):
    """The file (and so its -wal and -shm) is created readable by the service user only."""
    await store.save("key", session())
    assert file_modes(store.path) == [0o600, 0o600, 0o600]


async def test_health_helpers_report_ok_and_a_size(store):
    """A fresh database passes SQLite's integrity check and reports a size on disk."""
    assert await store.integrity_check() == ["ok"]
    assert store.file_size() > 0


async def test_a_save_carries_the_updates_counts_in_the_same_transaction(store):
    """A conversation step and its anonymous counts land together, or neither does."""
    monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    tallies = [Tally("node", "dreiging"), Tally("contact", "ondersteuningsteam")]
    await store.save("key", session("dreiging"), tallies=tallies, when=monday)
    await store.save("key", session("dreiging"), tallies=tallies[:1], when=monday)
    assert (await store.load("key", NOW)).state.node == "dreiging"
    assert await store.weekly_counts(1, now=monday) == [
        WeeklyCount("2026-W48", "contact", "ondersteuningsteam", 1),
        WeeklyCount("2026-W48", "node", "dreiging", 2),
    ]
    unwritable = Tally("node", None)  # type: ignore[arg-type]  # NOT NULL fails after the upsert
    with pytest.raises(StorageError, match="could not save a session"):
        await store.save("other", session(), tallies=[tallies[0], unwritable], when=monday)
    assert await store.load("other", NOW) is None
    assert len(await store.weekly_counts(1, now=monday)) == 2
    assert (await store.weekly_counts(1, now=monday))[1].n == 2


async def test_memory_store_saves_counts_like_the_sqlite_store(store):
    """The in-memory twin adds a save's tallies to the counts too."""
    memory = MemoryStore()
    when = datetime(2026, 11, 25, tzinfo=UTC)
    for target in (memory, store):
        await target.save("key", session(), tallies=[Tally("entry", "start")], when=when)
    assert await memory.weekly_counts(1, now=when) == await store.weekly_counts(1, now=when)


async def test_the_polling_position_is_noted_with_the_save_and_forgotten_after_a_day(store):
    """After a crash the bot knows where it got to; a note older than Telegram's 24 h is ignored."""
    assert await store.polling_position(NOW) is None
    await store.save("key", session(at=NOW), update_id=41, settled=40)
    assert await store.polling_position(NOW) == PollingPosition(40, frozenset({41}))
    await store.mark_handled(42, NOW + 5, settled=41)
    assert await store.polling_position(NOW + 10) == PollingPosition(41, frozenset({42}))
    assert await store.polling_position(NOW + 5 + 24 * HOUR + 1) is None
    unwritable = Tally("node", None)  # type: ignore[arg-type]
    with pytest.raises(StorageError):
        await store.save("key", session(at=NOW + 20), tallies=[unwritable], when=datetime.now(UTC),
                         update_id=43, settled=42)
    # the same transaction, so neither the update nor the position was noted
    assert await store.polling_position(NOW + 20) == PollingPosition(41, frozenset({42}))


async def test_updates_handled_out_of_order_are_remembered_until_the_position_passes_them(store):
    """Chats answered side by side finish out of order: the ids above the position are kept."""
    await store.mark_handled(12, NOW, settled=9)  # 10 and 11 still in hand
    await store.save("key", session(at=NOW), update_id=14, settled=9)
    assert await store.polling_position(NOW) == PollingPosition(9, frozenset({12, 14}))
    await store.mark_handled(10, NOW + 1, settled=9)
    await store.mark_handled(11, NOW + 2, settled=12)  # 13 in hand
    assert await store.polling_position(NOW + 3) == PollingPosition(12, frozenset({14}))


async def test_memory_store_notes_the_polling_position_like_the_sqlite_store(store):
    """The memory store remembers where polling got to exactly as the SQLite store does."""
    memory = MemoryStore()
    for target in (memory, store):
        await target.save("key", session(at=NOW), update_id=7, settled=5)
        await target.mark_handled(9, NOW, settled=6)
    assert await memory.polling_position(NOW) == await store.polling_position(NOW)
    assert await store.polling_position(NOW) == PollingPosition(6, frozenset({7, 9}))


def test_the_store_uses_only_public_aiosqlite_api() -> None:
    """No module of bot/store touches another object's private attribute (as aiosqlite's `_conn`)."""
    import ast

    package = Path(__file__).resolve().parents[1] / "bot" / "store"
    private = []
    for module in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(), str(module))):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})):
                private.append(f"{module.name}:{node.lineno}: .{node.attr}")
    assert private == []


async def test_update_ids_noted_a_day_ago_are_removed_by_the_purge(store):
    """Anything kept has a time limit: noted update ids go with the next purge after a day."""
    await store.mark_handled(12, NOW, settled=9)
    await store.purge_expired(NOW + 24 * HOUR + 1)
    with sqlite3.connect(store.path) as raw:
        assert raw.execute("SELECT count(*) FROM handled_updates").fetchone()[0] == 0
