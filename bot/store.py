"""Where sessions and anonymous counts are kept, behind a narrow async interface.

Sessions are keyed by a keyed pseudonym (`bot.pseudonym`), never a raw Telegram id, and hold only
what the engine needs plus the message ids the quick exit must delete. Counts carry no key at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bot.flow.session import SessionState, Tally


@dataclass(frozen=True, slots=True)
class StoredSession:
    state: SessionState
    message_ids: tuple[int, ...] = ()  # this chat's messages, for "leave and erase"
    log_id: str = ""  # random id for log lines; not derived from the user, dies with the session
    updated_at: float = 0.0  # unix seconds of the last activity


class SessionStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def load(self, key: str, now: float) -> StoredSession | None:
        """The live session for this pseudonym, or None (also when it has expired)."""

    async def save(self, key: str, session: StoredSession) -> None: ...

    async def delete(self, key: str) -> None: ...

    async def purge_expired(self, now: float) -> int:
        """Remove sessions idle past the retention time; return how many went."""

    async def count(self, tallies: Iterable[Tally], when: datetime) -> None:
        """Add one to each tally's counter for the ISO week of `when`."""


@dataclass
class MemoryStore:
    """The in-memory twin of the SQLite store, for tests and for `wegwijzer chat`."""

    retention_seconds: float = 6 * 3600
    sessions: dict[str, StoredSession] = field(default_factory=dict)
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def load(self, key: str, now: float) -> StoredSession | None:
        session = self.sessions.get(key)
        if session is None or now - session.updated_at > self.retention_seconds:
            return None
        return session

    async def save(self, key: str, session: StoredSession) -> None:
        self.sessions[key] = session

    async def delete(self, key: str) -> None:
        self.sessions.pop(key, None)

    async def purge_expired(self, now: float) -> int:
        expired = [
            key for key, session in self.sessions.items()
            if now - session.updated_at > self.retention_seconds
        ]
        for key in expired:
            del self.sessions[key]
        return len(expired)

    async def count(self, tallies: Iterable[Tally], when: datetime) -> None:
        year, week, _ = when.isocalendar()
        for tally in tallies:
            bucket = (f"{year}-W{week:02d}", tally.kind, tally.name)
            self.counts[bucket] = self.counts.get(bucket, 0) + 1
