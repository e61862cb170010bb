"""Getting replies to a user: the one retry policy, the time ceiling and the outbox.

A transport makes one attempt per call and names what happened (`bot.messenger`). This module
decides what to do about it, once, for every transport:

- `RetryLater` (429) or `Unreachable` (5xx, no connection): the chat's remaining replies go to
  the outbox and the update is done; other chats are not kept waiting. The outbox sends them, in
  order, as soon as the service answers again (after 1 s, 2 s, 4 s ... 15 s, or as long as a 429
  asked), and new replies of that chat queue behind them.
- `NotModified`: the edit is done. `Refused`: the edit becomes a new message.
- `Blocked`: raised to the caller, which forgets the session.
- A slow chat: a call that has not come back within `PATIENCE` goes on in the background and
  the update moves on; that chat's other replies wait in the outbox behind it, in order, and
  every other chat is answered meanwhile. So one update spends at most about PATIENCE per call
  (and never more than `UPDATE_SECONDS`) waiting for the chat service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from enum import Enum
from typing import TypeVar

from bot.errors import Blocked, DeliveryError, NotModified, Refused, RetryLater, Unreachable
from bot.flow.session import Reply
from bot.logs import log_event
from bot.messenger import Messenger
from bot.outbox import HeldReply, Outbox

T = TypeVar("T")

UPDATE_SECONDS = 20.0  # the most one update may spend talking to the chat service
PATIENCE = 0.5  # seconds one update waits for one call before it hands the call over
DELETE_BATCH = 100  # Telegram's limit for deleteMessages
HELD_RETRY_FIRST = 1.0  # seconds before held replies are tried again; doubles up to the max
HELD_RETRY_MAX = 15.0


class _Held(Enum):
    DONE = "done"  # delivered, or given up for good (blocked, refused, maybe delivered)
    UNREACHABLE = "unreachable"  # keep it and try again later


class _Slow(Exception):
    """A call outlasted the update's patience; `task` carries on with it."""

    def __init__(self, task: asyncio.Future[object]) -> None:
        super().__init__("the chat service is slow for this chat")
        self.task = task


class Delivery:
    """Sends an update's replies through a `Messenger`; holds what cannot go now."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic,
                 update_seconds: float = UPDATE_SECONDS, patience: float = PATIENCE) -> None:
        self.monotonic = monotonic
        self.update_seconds = update_seconds
        self.patience = patience
        self._in_flight: dict[int, asyncio.Future[object]] = {}  # chat -> its slow call
        self.outbox = Outbox(clock=monotonic)
        self._held_waiting = asyncio.Event()  # set while the outbox holds anything
        self._api_answered = asyncio.Event()  # set by any successful call while it does
        self._not_before = 0.0  # monotonic time a RetryLater asked the outbox to wait for
        self._sending_held = asyncio.Lock()  # held replies of a chat go out before new ones

    def deadline(self) -> float:
        return self.monotonic() + self.update_seconds

    async def _within(self, deadline: float, call: Callable[[], Awaitable[T]]) -> T:
        remaining = deadline - self.monotonic()
        if remaining <= 0:
            raise Unreachable("the update's time ceiling was reached")
        async with asyncio.timeout(remaining):
            result = await call()
        self.api_answered()
        return result

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

    # -- the outbox: replies held through an outage or a 429 -------------------------------------

    def api_answered(self) -> None:
        """The service answered a call: held replies need not wait any longer."""
        if self._held_waiting.is_set():
            self._api_answered.set()

    def _hold(self, chat_id: int, key: str, replies: Sequence[Reply], edit_of: int | None,
              reason: str) -> None:
        if not replies:
            return
        now = self.monotonic()
        dropped = self.outbox.hold(chat_id, [
            HeldReply(reply, key, now, edit_of if index == 0 else None)
            for index, reply in enumerate(replies)
        ])
        log_event("reply_held", level=logging.WARNING, reason=reason, count=len(replies))
        if dropped:
            log_event("held_reply_dropped", level=logging.WARNING, reason="outbox_full",
                      count=dropped)
        self._held_waiting.set()

    async def deliver_held_forever(self, messenger: Messenger) -> None:
        """Background task: send held replies when the service answers again, with back-off.

        It sleeps while nothing is held. Then it tries after 1 s, 2 s, 4 s ... up to 15 s (or as
        long as a 429 asked), and at once when any other call succeeds; one failed request per
        try, so an outage never turns into a hot loop.
        """
        delay = HELD_RETRY_FIRST
        while True:
            await self._held_waiting.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._api_answered.wait(), delay)
            self._api_answered.clear()
            pause = self._not_before - self.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            if await self.deliver_held(messenger):
                delay = HELD_RETRY_FIRST
            else:
                delay = min(delay * 2, HELD_RETRY_MAX)
                await asyncio.sleep(0.25)  # a burst of successful calls elsewhere is no reason
            if not self.outbox:
                self._held_waiting.clear()

    async def deliver_held(self, messenger: Messenger) -> bool:
        """Try every chat's held replies in order; False when the service still cannot take them."""
        expired = self.outbox.expire()
        if expired:
            log_event("held_reply_dropped", level=logging.WARNING, reason="expired",
                      count=expired)
        for chat_id in self.outbox.chats():
            if chat_id in self._in_flight:
                continue  # its slow call goes first; landing wakes us again
            if not await self._send_held_of(messenger, chat_id):
                return False
        return True

    async def _send_held_of(self, messenger: Messenger, chat_id: int) -> bool:
        async with self._sending_held:
            while (held := self.outbox.first(chat_id)) is not None:
                if await self._send_held(messenger, chat_id, held) is _Held.UNREACHABLE:
                    return False
                self.outbox.done(chat_id)
        return True

    async def _send_held(self, messenger: Messenger, chat_id: int, held: HeldReply) -> _Held:
        """One attempt, no retries here: the caller backs off."""
        deadline = self.deadline()
        try:
            if held.edit_of is not None:
                try:
                    await self._within(deadline, lambda: messenger.edit(
                        chat_id, held.edit_of or 0, held.reply))
                except (NotModified, Refused) as error:
                    if isinstance(error, NotModified):
                        return _Held.DONE
                    # Too old or deleted: send it as a new message below.
                except TimeoutError:
                    return _Held.UNREACHABLE  # an edit is safe to try again
                else:
                    log_event("held_reply_sent", method="editMessageText")
                    return _Held.DONE
            message_id = await self._within(deadline, lambda: messenger.send(chat_id, held.reply))
        except RetryLater as error:
            self._not_before = self.monotonic() + error.seconds
            return _Held.UNREACHABLE
        except Unreachable:
            return _Held.UNREACHABLE
        except TimeoutError:
            # It may have arrived; showing it twice is worse than the risk of not at all.
            log_event("held_reply_dropped", level=logging.WARNING, reason="TimedOut", count=1)
            return _Held.DONE
        except DeliveryError as error:  # blocked or refused: it will never go
            log_event("held_reply_dropped", level=logging.WARNING, reason=type(error).__name__,
                      count=1)
            return _Held.DONE
        if message_id is None:
            # It may have arrived; showing it twice is worse than the risk of not at all.
            log_event("held_reply_dropped", level=logging.WARNING, reason="TimedOut", count=1)
            return _Held.DONE
        self.outbox.record_sent(held.key, message_id)
        log_event("held_reply_sent", method="sendMessage")
        return _Held.DONE
