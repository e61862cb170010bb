"""The in-memory twin of the SQLite store, for tests and for `wegwijzer chat`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.flow.session import Tally
from bot.store.protocol import (
    HANDLED_MEMORY_SECONDS,
    PollingPosition,
    StoredSession,
    WeeklyCount,
    iso_week,
    recent_weeks,
)


@dataclass
class MemoryStore:
    """The in-memory twin of the SQLite store, for tests and for `wegwijzer chat`."""

    retention_seconds: float = 6 * 3600
    sessions: dict[str, StoredSession] = field(default_factory=dict)
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    settled: tuple[int, float] | None = None  # (update_id, unix seconds): the polling position
    handled: dict[int, float] = field(default_factory=dict)  # ids handled above it, and when

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def load(self, key: str, now: float) -> StoredSession | None:
        session = self.sessions.get(key)
        if session is None or now - session.updated_at > self.retention_seconds:
            return None
        return session

    async def save(
        self, key: str, session: StoredSession, *, tallies: Iterable[Tally] = (),
        when: datetime | None = None, update_id: int | None = None, settled: int | None = None,
    ) -> None:
        self.sessions[key] = session
        if when is not None:
            await self.count(tallies, when)
        if update_id is not None or settled is not None:
            self._note(update_id, session.updated_at, settled)

    async def mark_handled(self, update_id: int, now: float, settled: int | None = None) -> None:
        self._note(update_id, now, settled)

    def _note(self, update_id: int | None, now: float, settled: int | None) -> None:
        """What the SQLite store's save trigger does with the polling position."""
        if settled is not None:
            self.settled = (settled, now)
            self.handled = {i: at for i, at in self.handled.items()
                            if i > settled and now - at <= HANDLED_MEMORY_SECONDS}
        if update_id is not None and (settled is None or update_id > settled):
            self.handled[update_id] = now

    async def polling_position(self, now: float) -> PollingPosition | None:
        if self.settled is None or now - self.settled[1] > HANDLED_MEMORY_SECONDS:
            return None
        return PollingPosition(self.settled[0], frozenset(
            i for i, at in self.handled.items() if now - at <= HANDLED_MEMORY_SECONDS))

    async def delete(self, key: str) -> None:
        self.sessions.pop(key, None)

    async def keys(self) -> set[str]:
        return set(self.sessions)

    async def purge_expired(self, now: float) -> int:
        expired = [
            key for key, session in self.sessions.items()
            if now - session.updated_at > self.retention_seconds
        ]
        for key in expired:
            del self.sessions[key]
        return len(expired)

    async def count(self, tallies: Iterable[Tally], when: datetime) -> None:
        for tally in tallies:
            bucket = (iso_week(when), tally.kind, tally.name)
            self.counts[bucket] = self.counts.get(bucket, 0) + 1

    async def weekly_counts(
        self, weeks: int, now: datetime | None = None
    ) -> list[WeeklyCount]:
        wanted = set(recent_weeks(weeks, now or datetime.now(UTC)))
        return sorted(
            WeeklyCount(week, kind, name, n)
            for (week, kind, name), n in self.counts.items()
            if week in wanted
        )
