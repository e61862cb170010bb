"""Which fetched updates are in hand and which are done, and so what Telegram may be told.

Telegram forgets an update once getUpdates is called with a higher `offset`, and the offset
confirms everything below it at once. Chats are answered side by side (`bot.telegram.lanes`),
so updates finish out of order: the ledger confirms only up to the oldest update still in hand
(`settled`), and remembers which later ones are done, so that when Telegram offers them again
they are not handled twice. The store keeps the same two facts (`PollingPosition`), so a
restart after a crash skips what was done and redoes what was not. Plain bookkeeping: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable


class UpdateLedger:
    """Fetched update ids: in hand (being handled) or done; and the settled position."""

    def __init__(self, settled: int | None = None, handled: Iterable[int] = ()) -> None:
        self._base = settled  # the highest position ever settled: anything up to it is done
        self._highest = settled  # the highest id fetched (or known settled)
        self._in_hand: dict[int, float] = {}  # update id -> when it was taken in hand
        self._done = {i for i in handled if settled is None or i > settled}

    def admit(self, update_id: int, now: float) -> bool:
        """Take a fetched update in hand; False when it is in hand already or done."""
        if self._highest is None or update_id > self._highest:
            self._highest = update_id
        if update_id in self._in_hand or update_id in self._done:
            return False
        if self._base is not None and update_id <= self._base:
            return False
        self._in_hand[update_id] = now
        return True

    def finish(self, update_id: int) -> bool:
        """The update is handled (its session saved, or its id noted); False if it was not in hand."""
        if self._in_hand.pop(update_id, None) is None:
            return False
        self._done.add(update_id)
        settled = self.settled
        if settled is not None and (self._base is None or settled > self._base):
            # A poll sent before this finished may still bring it back: `_base` turns it away.
            self._base = settled
            self._done = {i for i in self._done if i > settled}
        return True

    @property
    def settled(self) -> int | None:
        """Every fetched update up to this id is handled: safe to confirm, and to note."""
        if self._in_hand:
            return min(self._in_hand) - 1
        return self._highest

    @property
    def offset(self) -> int | None:
        """getUpdates' `offset`: confirms what is settled, asks for what follows."""
        settled = self.settled
        return settled + 1 if settled is not None else None

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)
