"""The courier: replies held in the outbox go out, in order, once the chat service answers again.

`bot.delivery` holds a chat's replies here when the service is down, asks us to wait (429), or is
slow for that chat. A background task (`deliver_held_forever`) sends them after 1 s, 2 s, 4 s
... up to 15 s (or as long as a 429 asked), and at once when any other call succeeds; one failed
request per try, so an outage never turns into a hot loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum
from typing import TypeVar

from bot.errors import DeliveryError, NotModified, Refused, RetryLater, Unreachable
from bot.flow.session import Reply
from bot.logs import log_event
from bot.messenger import Messenger
from bot.outbox import HeldReply, Outbox

T = TypeVar("T")

UPDATE_SECONDS = 20.0  # the most one update may spend talking to the chat service
HELD_RETRY_FIRST = 1.0  # seconds before held replies are tried again; doubles up to the max
HELD_RETRY_MAX = 15.0


class _Held(Enum):
    DONE = "done"  # delivered, or given up for good (blocked, refused, maybe delivered)
    UNREACHABLE = "unreachable"  # keep it and try again later


class Courier:
    """The outbox and what sends it; `bot.delivery.Delivery` builds on it."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic,
                 update_seconds: float = UPDATE_SECONDS) -> None:
        self.monotonic = monotonic
        self.update_seconds = update_seconds
        self.outbox = Outbox(clock=monotonic)
        self._in_flight: dict[int, asyncio.Future[object]] = {}  # chat -> its slow call
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
