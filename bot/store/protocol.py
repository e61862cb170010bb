"""The store's interface and the values it keeps: a narrow async protocol, no storage in it.

Sessions are keyed by a keyed pseudonym (`bot.pseudonym`), never a raw Telegram id, and hold only
what the engine needs plus the message ids the quick exit must delete. Counts carry no key at all
and no time finer than the ISO week.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.flow.session import SessionState, Tally

# Telegram keeps an update for at most 24 hours, and after a week without updates it may start
# numbering them anew; a last handled id older than this says nothing about what is pending.
HANDLED_MEMORY_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class PollingPosition:
    """How far the bot got through Telegram's update queue; Telegram's counter, no user in it.

    Chats are answered side by side, so updates finish out of order: `settled` is the id up to
    which every fetched update was handled (what may be confirmed to Telegram), and `handled`
    the ids above it that were handled already, to be skipped when Telegram offers them again.
    """

    settled: int
    handled: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class StoredSession:
    state: SessionState
    message_ids: tuple[int, ...] = ()  # this chat's messages, for "leave and erase"
    log_id: str = ""  # random id for log lines; not derived from the user, dies with the session
    updated_at: float = 0.0  # unix seconds of the last activity


@dataclass(frozen=True, slots=True, order=True)
class WeeklyCount:
    """How often one thing happened in one ISO week; no key, no finer time."""

    iso_week: str  # "2026-W48"
    kind: str  # entry, node, contact or outcome
    name: str
    n: int


class SessionStore(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def load(self, key: str, now: float) -> StoredSession | None:
        """The live session for this pseudonym, or None (also when it has expired)."""

    async def save(
        self, key: str, session: StoredSession, *, tallies: Iterable[Tally] = (),
        when: datetime | None = None, update_id: int | None = None, settled: int | None = None,
    ) -> None:
        """Upsert the session, add `tallies` to the counts of `when`'s ISO week, note
        `update_id` as handled and `settled` as the polling position, atomically."""

    async def mark_handled(self, update_id: int, now: float, settled: int | None = None) -> None:
        """Note a Telegram update as handled (for updates that saved no session)."""

    async def polling_position(self, now: float) -> PollingPosition | None:
        """Where polling got to, unless the last note is more than a day old."""

    async def delete(self, key: str) -> None: ...

    async def keys(self) -> set[str]:
        """The pseudonyms of every session row (expired or not): lets the caller skip a read
        for a key it knows is absent (`bot.sessions`)."""

    async def purge_expired(self, now: float) -> int:
        """Remove sessions idle past the retention time; return how many went."""

    async def count(self, tallies: Iterable[Tally], when: datetime) -> None:
        """Add one to each tally's counter for the ISO week of `when`."""


def iso_week(when: datetime) -> str:
    """'YYYY-Www' for the ISO week of `when`; the only time the counts ever carry."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def recent_weeks(weeks: int, now: datetime) -> list[str]:
    """Labels of the last `weeks` ISO weeks, up to and including the one of `now`; newest first."""
    return [iso_week(now - timedelta(weeks=back)) for back in range(max(weeks, 0))]
