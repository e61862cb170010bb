"""Getting replies to a user: the one retry policy, the time ceiling and the outbox.

A transport makes one attempt per call and names what happened (`bot.messenger`). This module
decides what to do about it, once, for every transport:

- `RetryLater` (429) or `Unreachable` (5xx, no connection): the chat's remaining replies go to
  the outbox and the update is done; other chats are not kept waiting. `bot.courier` sends them, in
  order, as soon as the service answers again (after 1 s, 2 s, 4 s ... 15 s, or as long as a 429
  asked), and new replies of that chat queue behind them.
- `NotModified`: the edit is done. `Refused`: the edit becomes a new message.
- `Blocked`: raised to the caller, which forgets the session.
- A slow chat: chats are answered side by side (`bot.telegram.lanes`), so a slow call keeps
  only its own chat waiting. Even so, a call that has not come back within `PATIENCE` goes on in
  the background and the update moves on, so that the chat's next update and the polling
  position are not held up; that chat's other replies wait in the outbox behind it, in order.
  One update spends at most about PATIENCE per call (and never more than `UPDATE_SECONDS`)
  waiting for the chat service.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TypeVar

from bot.courier import UPDATE_SECONDS, Courier
from bot.errors import Blocked, DeliveryError, NotModified, Refused, RetryLater, Unreachable
from bot.flow.session import Reply
from bot.logs import log_event
from bot.messenger import Messenger
from bot.outbox import HeldReply

T = TypeVar("T")

PATIENCE = 0.5  # seconds one update waits for one call before it hands the call over
DELETE_BATCH = 100  # Telegram's limit for deleteMessages


class _Slow(Exception):
    """A call outlasted the update's patience; `task` carries on with it."""

    def __init__(self, task: asyncio.Future[object]) -> None:
        super().__init__("the chat service is slow for this chat")
        self.task = task


class Delivery(Courier):
    """Sends an update's replies through a `Messenger`; holds what cannot go now."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic,
                 update_seconds: float = UPDATE_SECONDS, patience: float = PATIENCE) -> None:
        super().__init__(monotonic=monotonic, update_seconds=update_seconds)
        self.patience = patience

    async def _patiently(self, deadline: float, call: Callable[[], Awaitable[T]]) -> T:
        """The call's result, or `_Slow` when it takes longer than the patience (it goes on)."""
        task: asyncio.Future[T] = asyncio.ensure_future(call())
        wait = max(0.0, min(self.patience, deadline - self.monotonic()))
        done, _ = await asyncio.wait((task,), timeout=wait)
        if not done:
            raise _Slow(task)  # type: ignore[arg-type]
        result = task.result()
        self.api_answered()
        return result

    async def deliver(
        self, messenger: Messenger, chat_id: int, key: str, replies: Sequence[Reply], *,
        edit_of: int | None, deadline: float,
    ) -> list[int]:
        """Send the replies (the first as an edit of `edit_of` when given); the new message ids.

        Raises `Blocked` when the user blocked the bot; anything else that stops them is held.
        """
        if (self.outbox.holds(chat_id) and self._not_before <= self.monotonic()
                and chat_id not in self._in_flight):
            await self._send_held_of(messenger, chat_id)
        if self.outbox.holds(chat_id) or chat_id in self._in_flight:
            # Behind other held replies, a new message reads better than an edit further up.
            self._hold(chat_id, key, replies, None, "waiting")
            return []
        sent: list[int] = []
        remaining = list(replies)
        pending_edit = edit_of
        try:
            if pending_edit is not None and remaining:
                if await self._edit(messenger, chat_id, pending_edit, remaining[0], deadline):
                    remaining.pop(0)
                pending_edit = None
            while remaining:
                message_id = await self._send(messenger, chat_id, remaining[0], deadline)
                remaining.pop(0)
                if message_id is not None:
                    sent.append(message_id)
        except Unreachable as error:
            if isinstance(error, RetryLater):
                self._not_before = max(self._not_before, self.monotonic() + error.seconds)
            self._hold(chat_id, key, remaining, pending_edit, type(error).__name__)
        except _Slow as slow:
            # The first remaining reply is on its way; the rest wait behind it.
            self._landing(chat_id, HeldReply(remaining[0], key, self.monotonic(), pending_edit),
                          slow.task)
            self._hold(chat_id, key, remaining[1:], None, "slow")
        return sent

    def _landing(self, chat_id: int, held: HeldReply, task: asyncio.Future[object]) -> None:
        """When a slow call ends: note its message, or put its reply back to be sent again."""
        self._in_flight[chat_id] = task

        def landed(task: asyncio.Future[object]) -> None:
            self._in_flight.pop(chat_id, None)
            again: HeldReply | None = None
            error = None if task.cancelled() else task.exception()
            if task.cancelled():
                again = held
            elif error is None:
                result = task.result()
                if isinstance(result, int):
                    self.outbox.record_sent(held.key, result)
            elif isinstance(error, Refused) and held.edit_of is not None:
                again = HeldReply(held.reply, held.key, held.held_at, None)  # as a new message
            elif isinstance(error, Unreachable):
                if isinstance(error, RetryLater):
                    self._not_before = max(self._not_before, self.monotonic() + error.seconds)
                again = held
            elif isinstance(error, Blocked):
                self.outbox.forget(chat_id)
            elif not isinstance(error, NotModified):
                log_event("held_reply_dropped", level=logging.WARNING,
                          reason=type(error).__name__, count=1)
            if again is not None:
                self.outbox.hold_first(chat_id, again)
            if self.outbox.holds(chat_id):
                self._held_waiting.set()
                self._api_answered.set()  # go on with this chat's queue now

        task.add_done_callback(landed)

    async def send_now(self, messenger: Messenger, chat_id: int, reply: Reply,
                       deadline: float) -> int | None:
        """One message that is not worth holding (a group's "private chats only")."""
        try:
            return await self._send(messenger, chat_id, reply, deadline)
        except _Slow:
            return None  # it goes on in the background; nothing here waits for it

    async def _edit(self, messenger: Messenger, chat_id: int, message_id: int, reply: Reply,
                    deadline: float) -> bool:
        """True when the message shows the reply now; False when a new message must be sent."""
        try:
            await self._patiently(deadline, lambda: messenger.edit(chat_id, message_id, reply))
        except NotModified:
            return True
        except Refused:
            return False
        return True

    async def _send(self, messenger: Messenger, chat_id: int, reply: Reply,
                    deadline: float) -> int | None:
        return await self._patiently(deadline, lambda: messenger.send(chat_id, reply))

    async def erase(self, messenger: Messenger, chat_id: int, message_ids: Iterable[int],
                    deadline: float) -> None:
        """Delete every known message of this chat, the user's and ours, in batches of 100."""
        self.outbox.forget(chat_id)  # nothing held may reappear after an erase
        ids = sorted(set(message_ids))
        for start in range(0, len(ids), DELETE_BATCH):
            batch = ids[start:start + DELETE_BATCH]

            async def delete(batch: list[int] = batch) -> None:
                await messenger.delete(chat_id, batch)

            try:
                await self._within(deadline, delete)
            except (DeliveryError, TimeoutError) as error:
                if isinstance(error, Blocked):
                    raise
                # Too old (48 h), already gone, or the service failed: the help text says so.
                log_event("telegram_error", level=logging.WARNING, reason=type(error).__name__,
                          method="deleteMessages", count=len(batch))

    async def answer(self, messenger: Messenger, query_id: str) -> None:
        try:
            await self._within(self.deadline(), lambda: messenger.answer(query_id))
        except (DeliveryError, TimeoutError) as error:
            # Too old or already answered: the conversation goes on regardless.
            log_event("telegram_error", level=logging.WARNING, reason=type(error).__name__,
                      method="answerCallbackQuery")
