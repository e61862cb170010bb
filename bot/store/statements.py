"""The SQL the SQLite store runs, in one place.

A save writes the session, the update's weekly counts and the polling cursor. It is sent as ONE
statement, an INSERT into a per-connection TEMP view whose INSTEAD OF trigger does the three
writes. One statement is one atomic transaction in SQLite and one trip to aiosqlite's worker
thread through its public `execute_fetchall`; the same three writes as BEGIN, INSERTs, COMMIT
took five trips, each a hand-over to that thread and back to the event loop. The view and the
trigger live in the connection's `temp` schema: they are not part of the file's schema, hold no
data, and are made again on every connect. Needs SQLite 3.24 (UPSERT) with JSON functions.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.flow.session import Tally
from bot.store.protocol import iso_week

SAVE_STEP_SETUP = (
    """CREATE TEMP VIEW IF NOT EXISTS save_step
        (key, state, message_ids, log_id, updated_at, counts, update_id, handled_at, settled)
        AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0""",
    """CREATE TEMP TRIGGER IF NOT EXISTS save_step_writes INSTEAD OF INSERT ON save_step
    BEGIN
        INSERT INTO sessions (key, state, message_ids, log_id, updated_at)
            SELECT NEW.key, NEW.state, NEW.message_ids, NEW.log_id, NEW.updated_at
            WHERE NEW.key IS NOT NULL
            ON CONFLICT (key) DO UPDATE SET state = excluded.state,
                message_ids = excluded.message_ids, log_id = excluded.log_id,
                updated_at = excluded.updated_at;
        INSERT INTO counts (iso_week, kind, name, n)
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                   json_extract(value, '$[2]'), 1
            FROM json_each(NEW.counts) WHERE true
            ON CONFLICT (iso_week, kind, name) DO UPDATE SET n = n + 1;
        INSERT INTO polling (id, last_update_id, handled_at)
            SELECT 1, NEW.settled, NEW.handled_at WHERE NEW.settled IS NOT NULL
            ON CONFLICT (id) DO UPDATE SET last_update_id = excluded.last_update_id,
                handled_at = excluded.handled_at;
        DELETE FROM handled_updates WHERE update_id <= NEW.settled;
        INSERT INTO handled_updates (update_id, handled_at)
            SELECT NEW.update_id, NEW.handled_at WHERE NEW.update_id IS NOT NULL
                AND (NEW.settled IS NULL OR NEW.update_id > NEW.settled)
            ON CONFLICT (update_id) DO UPDATE SET handled_at = excluded.handled_at;
    END""",
)
SAVE_STEP = """INSERT INTO save_step
    (key, state, message_ids, log_id, updated_at, counts, update_id, handled_at, settled)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"""

# Several saves in one statement, so one transaction and one trip (`bot.store.group_commit`): the
# parameter is a JSON array of SAVE_STEP's parameter rows, inserted into the view in that order.
SAVE_MANY = """INSERT INTO save_step
    (key, state, message_ids, log_id, updated_at, counts, update_id, handled_at, settled)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
           json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
           json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]')
    FROM json_each(?) ORDER BY json_each.key"""

SELECT_SESSION = "SELECT state, message_ids, log_id, updated_at FROM sessions WHERE key = ?"
SELECT_SETTLED = "SELECT last_update_id, handled_at FROM polling WHERE id = 1"
SELECT_HANDLED = "SELECT update_id FROM handled_updates WHERE handled_at >= ?"
DELETE_SESSION = "DELETE FROM sessions WHERE key = ?"
DELETE_EXPIRED = "DELETE FROM sessions WHERE updated_at < ?"
DELETE_OLD_HANDLED = "DELETE FROM handled_updates WHERE handled_at < ?"
COUNT_SESSIONS = "SELECT count(*) FROM sessions"
SELECT_KEYS = "SELECT key FROM sessions"
SELECT_WEEKS = """SELECT iso_week, kind, name, n FROM counts
    WHERE iso_week >= ? AND iso_week <= ? ORDER BY iso_week, kind, name"""
CHECKPOINT = "PRAGMA wal_checkpoint(TRUNCATE)"

Row = tuple[str | None, str | None, str | None, str | None, float | None, str, int | None,
            float | None, int | None]


def save_row(
    session: tuple[str, str, str, str, float] | None, tallies: Iterable[Tally],
    when: datetime | None, handled: tuple[int | None, float] | None, settled: int | None = None,
) -> Row:
    """The parameters of SAVE_STEP: the session row (or Nones), the counts, the handled update
    (its id and when) and the polling position."""
    week = iso_week(when) if when is not None else ""
    counts = json.dumps([[week, tally.kind, tally.name] for tally in tallies] if when else [],
                        ensure_ascii=False)
    key, state, ids, log_id, updated_at = session if session is not None else (None,) * 5
    update_id, handled_at = handled if handled is not None else (None, None)
    return (key, state, ids, log_id, updated_at, counts, update_id, handled_at, settled)


def save_statement(rows: Sequence[tuple[str, Row]]) -> tuple[str, str, tuple[object, ...]]:
    """What to run for one save or several queued together: (operation, SQL, parameters)."""
    if len(rows) == 1:
        operation, parameters = rows[0]
        return operation, SAVE_STEP, parameters
    return "save sessions", SAVE_MANY, (json.dumps([row for _, row in rows]),)
