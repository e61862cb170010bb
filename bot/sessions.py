"""The session store as the bot uses it: never the reason a user gets no answer.

`Sessions` wraps any `SessionStore`. A failing store is logged once per update and bridged from
memory until it recovers; sessions just written are served from memory on the user's next step.
Nothing here knows Telegram.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.errors import StorageError
from bot.flow.session import Tally
from bot.logs import log_event
from bot.store import PollingPosition, SessionStore, StoredSession

MEMORY_SESSIONS = 5_000  # sessions kept in memory while the store is failing
RECENT_SESSIONS = 2_000  # sessions just written, served from memory on the user's next step


class Sessions:
    """The session store, wrapped so that a failing store never silences the bot.

    Every call is guarded. When the store raises, one `storage_error` line is logged per update
    (reason: the exception class only), the session lives on in a bounded dict in memory, and
    the store is tried again on the next update; the memory copy wins until it is written back.
    Erasures that could not reach the store are retried, so an erased session does not linger.

    The sessions most recently written are also kept in memory (`recent`, bounded, with the same
    retention time) so a user's next step needs no read from SQLite: this process is the only
    writer, so the copy is the row. Erasure and purging drop them from memory as well. For the
    same reason it knows every key the store holds (`known`: read once at open, kept up to date
    by each save, read again after each purge), so a new user's first update needs no read at
    all. Pseudonyms only, in memory only, as in `recent`.
    """

    def __init__(self, store: SessionStore, *, retention_seconds: float) -> None:
        self.store = store
        self.retention_seconds = retention_seconds
        self.memory: OrderedDict[str, StoredSession] = OrderedDict()
        self.recent: OrderedDict[str, StoredSession] = OrderedDict()
        self._pending_deletes: OrderedDict[str, None] = OrderedDict()
        self._needs_open = False
        self._failing = False
        self._reported = False  # a storage_error was logged for the current update
        self.known: set[str] | None = None  # a superset of the store's keys; None: unknown
        self._added: set[str] | None = None  # keys saved while `known` is being read again
        self.settled: int | None = None  # the polling position, written with the next save

    def begin_update(self) -> None:
        """A new update: its first storage fault, if any, is logged again."""
        self._reported = False

    def _failed(self, operation: str, error: BaseException) -> None:
        self._failing = True
        if not self._reported:
            self._reported = True
            # StorageError messages are written to carry no data, only the fault and its fix.
            reason = str(error) if isinstance(error, StorageError) else type(error).__name__
            log_event("storage_error", level=logging.ERROR, reason=reason, method=operation)

    def _succeeded(self) -> None:
        if self._failing:
            self._failing = False
            log_event("storage_recovered")

    async def open(self) -> bool:
        try:
            await self.store.open()
        except Exception as error:
            self._needs_open = True
            self._failed("open", error)
            return False
        self._needs_open = False
        await self._read_known()
        return True

    async def _read_known(self) -> None:
        """Read the store's keys; keys saved meanwhile are kept, so `known` stays a superset."""
        self._added = set()
        try:
            keys = await self.store.keys()
        except Exception as error:
            self._failed("keys", error)
            self.known = None  # ask the store on every load until the next purge reads them
        else:
            self.known = keys | self._added
        self._added = None

    async def close(self) -> None:
        try:
            await self.store.close()
        except Exception as error:
            self._failed("close", error)

    async def _ready(self) -> bool:
        if self._needs_open and not await self.open():
            return False
        if self._pending_deletes:
            for key in list(self._pending_deletes):
                try:
                    await self.store.delete(key)
                except Exception as error:
                    self._failed("delete", error)
                    return False
                self._pending_deletes.pop(key, None)
        return True

    async def load(self, key: str, now: float) -> StoredSession | None:
        remembered = self.memory.get(key)
        if remembered is not None:
            if now - remembered.updated_at > self.retention_seconds:
                self.memory.pop(key, None)
            else:
                self.memory.move_to_end(key)
                return remembered
        written = self.recent.get(key)
        if written is not None:
            if now - written.updated_at <= self.retention_seconds:
                return written
            self.recent.pop(key, None)
        if key in self._pending_deletes:
            return None
        if self.known is not None and key not in self.known:
            return None  # never saved (or purged): nothing to read
        if not await self._ready():
            return None
        try:
            session = await self.store.load(key, now)
        except Exception as error:
            self._failed("load", error)
            return None
        self._succeeded()
        return session

    async def save(
        self, key: str, session: StoredSession, *, tallies: Sequence[Tally] = (),
        when: datetime | None = None, update_id: int | None = None,
    ) -> bool:
        """Keep the session, add the update's tallies and note `update_id` as handled, in one
        store transaction. True when that reached the store (False: kept in memory only)."""
        self._pending_deletes.pop(key, None)  # an upsert replaces whatever was there
        # Known before the attempt: a save that failed may still have reached the file.
        if self.known is not None:
            self.known.add(key)
        if self._added is not None:
            self._added.add(key)
        if await self._ready():
            try:
                await self.store.save(key, session, tallies=tallies, when=when,
                                      update_id=update_id, settled=self.settled)
            except Exception as error:
                self._failed("save", error)
            else:
                self._succeeded()
                self.memory.pop(key, None)
                self.recent[key] = session
                self.recent.move_to_end(key)
                while len(self.recent) > RECENT_SESSIONS:
                    self.recent.popitem(last=False)
                return True
        self.recent.pop(key, None)
        self.memory[key] = session
        self.memory.move_to_end(key)
        while len(self.memory) > MEMORY_SESSIONS:
            self.memory.popitem(last=False)
        return False

    async def delete(self, key: str) -> None:
        self.memory.pop(key, None)
        self.recent.pop(key, None)
        if await self._ready():
            try:
                await self.store.delete(key)
            except Exception as error:
                self._failed("delete", error)
            else:
                self._succeeded()
                if self.known is not None:
                    self.known.discard(key)
                return
        self._pending_deletes[key] = None
        while len(self._pending_deletes) > MEMORY_SESSIONS:
            self._pending_deletes.popitem(last=False)

    async def count(self, tallies: Iterable[Tally], when: datetime) -> None:
        tallies = tuple(tallies)
        if not tallies or not await self._ready():
            return
        try:
            await self.store.count(tallies, when)
        except Exception as error:
            self._failed("count", error)

    def settle(self, update_id: int | None) -> None:
        """Every update up to `update_id` is handled: noted with the next save, in memory till then."""
        self.settled = update_id

    async def mark_handled(self, update_id: int, now: float) -> None:
        """Note an update as handled that saved no session (or whose save failed)."""
        if not await self._ready():
            return
        try:
            await self.store.mark_handled(update_id, now, self.settled)
        except Exception as error:
            self._failed("mark_handled", error)

    async def polling_position(self, now: float) -> PollingPosition | None:
        """Where polling got to, as the store noted it; None when unknown or the store fails."""
        if not await self._ready():
            return None
        try:
            return await self.store.polling_position(now)
        except Exception as error:
            self._failed("polling_position", error)
            return None

    async def purge(self, now: float) -> int:
        """Drop expired sessions from the store and from memory; -1 when the store failed."""
        self.begin_update()
        expired = [key for key, session in self.memory.items()
                   if now - session.updated_at > self.retention_seconds]
        for key in expired:
            self.memory.pop(key, None)
        for key in [key for key, session in self.recent.items()
                    if now - session.updated_at > self.retention_seconds]:
            self.recent.pop(key, None)
        if not await self._ready():
            return -1
        try:
            removed = await self.store.purge_expired(now)
        except Exception as error:
            self._failed("purge", error)
            return -1
        self._succeeded()
        await self._read_known()  # forget the purged keys
        return removed + len(expired)
