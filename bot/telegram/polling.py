"""Polling that confirms an update to Telegram only after it was handled.

python-telegram-bot's `Updater` asks for the next batch (`offset = last + 1`) as soon as it has
queued the current one, which tells Telegram the whole batch is done before any of it is handled:
a crash then loses every update still in the queue. This loop fetches a batch, hands the updates
to the conversation service one by one, in order, and only then asks for the next batch, so
Telegram keeps whatever a crash interrupted and delivers it again.

Each handled update's id is noted through a `Cursor` (the store, guarded by `Sessions`): the
service passes the id with the session save, in the same transaction, and says so; else the loop
notes it in a tiny transaction of its own. At start the loop asks Telegram for updates after the
noted id, so those that were handled but not yet confirmed are not handled again. The window
that remains: a reply sent just before a crash whose save had not committed is sent again after
the restart (a press only redoes its edit, which shows nothing new). A reply is never dropped to
avoid that. Updates go straight to the service, not through PTB's handler dispatch, which the
loop does not need (webhook mode still uses it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.conversation import Conversation
from bot.logs import log_event
from bot.messenger import Messenger
from bot.telegram.updates import incoming_from

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open when nothing is pending
BATCH = 100
BACKOFF_FIRST = 1.0  # seconds after a failed getUpdates; x1.5 each time, as PTB does
BACKOFF_MAX = 30.0


class Cursor(Protocol):
    """Where the polling loop notes how far it got through Telegram's update queue."""

    async def last_handled(self, now: float) -> int | None:
        """The last update noted as handled; None when unknown (or too long ago)."""

    async def mark_handled(self, update_id: int, now: float) -> None:
        """Note `update_id` as handled (for updates whose session save did not)."""


class Poller:
    """Fetch, handle, then confirm: one batch at a time, one update at a time."""

    def __init__(
        self,
        application: Any,
        conversation: Conversation,
        messenger: Messenger,
        cursor: Cursor,
        allowed_updates: Sequence[str],
        *,
        poll_timeout: int = POLL_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.application = application
        self.conversation = conversation
        self.messenger = messenger
        self.cursor = cursor
        self.allowed_updates = list(allowed_updates)
        self.poll_timeout = poll_timeout
        self.clock = clock
        self.stopping = asyncio.Event()
        self.offset: int | None = None  # None: ask without confirming anything
        self.handled = 0  # updates handled since start, for logs and tests

    def stop(self) -> None:
        """Finish the update in hand, then return from `run`; the rest stays at Telegram."""
        self.stopping.set()

    async def run(self) -> None:
        bot = self.application.bot
        with contextlib.suppress(TelegramError):  # getUpdates will say what is wrong, if anything
            await bot.delete_webhook(drop_pending_updates=False)
        last = await self.cursor.last_handled(self.clock())
        self.offset = last + 1 if last is not None else None
        log_event("polling", mode="confirm_after_handle",
                  update=last if last is not None else None)
        backoff = BACKOFF_FIRST
        while not self.stopping.is_set():
            try:
                updates = await self._fetch(bot)
            except InvalidToken:
                raise
            except RetryAfter as error:
                await self._pause(_seconds(error.retry_after), "RetryAfter")
                continue
            except TelegramError as error:  # time-outs, 5xx, dropped connections, Conflict
                await self._pause(backoff, type(error).__name__)
                backoff = min(backoff * 1.5, BACKOFF_MAX)
                continue
            if updates is None:  # stopping
                break
            backoff = BACKOFF_FIRST
            self.conversation.delivery.api_answered()
            for update in updates:
                if self.stopping.is_set():
                    break  # not handled, so not confirmed: Telegram keeps it
                await self._handle(update)

    async def _fetch(self, bot: Any) -> list[Update] | None:
        """One long poll, given up (None) the moment `stop` is called."""
        fetch = asyncio.ensure_future(bot.get_updates(
            offset=self.offset, limit=BATCH, timeout=self.poll_timeout,
            allowed_updates=self.allowed_updates,
        ))
        stopping = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            return None
        updates: list[Update] = list(fetch.result())
        return updates

    async def _handle(self, update: Update) -> None:
        update_id = int(update.update_id)
        noted = False
        try:
            incoming = incoming_from(update)
            if incoming is not None:
                noted = await self.conversation.handle(incoming, self.messenger)
        except Exception as error:  # the service answers its own errors; this is a last guard
            log_event("handler_error", level=logging.ERROR, reason=type(error).__name__)
        if not noted:
            await self.cursor.mark_handled(update_id, self.clock())
        self.offset = update_id + 1
        self.handled += 1

    async def _pause(self, seconds: float, reason: str) -> None:
        log_event("telegram_error", level=logging.WARNING, reason=reason, method="getUpdates",
                  retry_after=round(seconds, 1))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)


def _seconds(value: Any) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)


async def run_polling(application: Any, poller: Poller, stop_signals: Sequence[int]) -> None:
    """What `Application.run_polling` does, with our loop instead of PTB's Updater."""
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    for signal_number in stop_signals:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal_number, poller.stop)
            installed.append(signal_number)
    try:
        await application.initialize()
        try:
            if application.post_init is not None:
                await application.post_init(application)
            await application.start()
            try:
                await poller.run()
            finally:
                await application.stop()
        finally:
            await application.shutdown()
            if application.post_shutdown is not None:
                await application.post_shutdown(application)
    finally:
        for signal_number in installed:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal_number)
