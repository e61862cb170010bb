"""Where sessions and anonymous counts are kept, behind a narrow async interface.

- `protocol`: `SessionStore` (the interface) and the values it keeps (`StoredSession`,
  `WeeklyCount`); no storage in it.
- `memory`: `MemoryStore`, the in-memory twin, for tests and `wegwijzer chat`.
- `database`: `SqliteStore`, the real one (import it from there: it loads aiosqlite, which the
  staff commands never need).
- `migrations`: the numbered schema steps; `faults`: SQLite errors in an operator's words.
"""

from bot.store.memory import MemoryStore
from bot.store.migrations import MIGRATIONS, SCHEMA_VERSION
from bot.store.protocol import (
    HANDLED_MEMORY_SECONDS,
    PollingPosition,
    SessionStore,
    StoredSession,
    WeeklyCount,
    iso_week,
    recent_weeks,
)

__all__ = [
    "HANDLED_MEMORY_SECONDS", "MIGRATIONS", "SCHEMA_VERSION", "MemoryStore", "PollingPosition",
    "SessionStore",
    "StoredSession", "WeeklyCount", "iso_week", "recent_weeks",
]
