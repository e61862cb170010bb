"""Polling that confirms an update to Telegram only after it was handled.

python-telegram-bot's `Updater` asks for the next batch (`offset = last + 1`) as soon as it has
queued the current one, which tells Telegram the whole batch is done before any of it is handled:
a crash then loses every update still in the queue. This loop fetches a batch and hands each
update to its chat's lane (`bot.telegram.lanes`): chats are answered side by side, each chat in
order, so one chat's slow reply or 429 never holds up another's. Telegram is told only what is
settled (`bot.telegram.ledger`): every update up to the oldest one still in hand. While that one
is slow, the loop keeps fetching around it (`STRAGGLER_SECONDS`), skipping what it already has.

Each handled update's id is noted through a `Cursor` (the store, guarded by `Sessions`): the
service passes the id with the session save, in the same transaction, and says so; else the loop
notes it in a tiny transaction of its own. The settled position goes with every such note. At
start the loop asks Telegram for updates after the settled position and skips the ids noted above
it, so what was handled but not yet confirmed is not handled again. The window that remains: a
reply sent just before a crash whose save had not committed is sent again after the restart (a
press only redoes its edit, which shows nothing new). A reply is never dropped to avoid that.
Updates go straight to the service, not through PTB's handler dispatch, which the loop does not
need (webhook mode still uses it), and are fetched as raw JSON through PTB's public
`Bot.do_api_request`: `Bot.get_updates` would build PTB objects of every update, including the
whole screen each press was made on, which `bot.telegram.updates` reads a few fields of.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.conversation import Conversation, Incoming
from bot.logs import log_event
from bot.messenger import Messenger
from bot.store import PollingPosition
from bot.telegram.lanes import CHATS_AT_ONCE, ChatLanes
from bot.telegram.ledger import UpdateLedger
from bot.telegram.updates import Json, incoming_from

POLL_TIMEOUT = 10  # seconds Telegram holds a getUpdates open when nothing is pending
BATCH = 100
BACKOFF_FIRST = 1.0  # seconds after a failed getUpdates; x1.5 each time, as PTB does
BACKOFF_MAX = 30.0
STRAGGLER_SECONDS = 0.1  # an update in hand this long lets polling fetch around it
STOP_SECONDS = 10.0  # on stop, how long the updates in hand may take to finish
READ_TIMEOUT = 10.0  # seconds to wait for getUpdates' answer beyond its long poll (app.py too)


class Cursor(Protocol):
    """Where the polling loop notes how far it got through Telegram's update queue."""

    async def polling_position(self, now: float) -> PollingPosition | None:
        """What was noted; None when unknown (or too long ago)."""

    async def mark_handled(self, update_id: int, now: float) -> None:
        """Note `update_id` as handled (for updates whose session save did not)."""

    def settle(self, update_id: int | None) -> None:
        """Every update up to `update_id` is handled; noted with the next write."""


class Poller:
    """Fetch, hand each update to its chat's lane, confirm what is settled."""

    def __init__(
        self,
        application: Any,
        conversation: Conversation,
        messenger: Messenger,
        cursor: Cursor,
        allowed_updates: Sequence[str],
        *,
        poll_timeout: int = POLL_TIMEOUT,
        chats_at_once: int = CHATS_AT_ONCE,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.application = application
        self.conversation = conversation
        self.messenger = messenger
        self.cursor = cursor
        self.allowed_updates = list(allowed_updates)
        self.poll_timeout = poll_timeout
        self.clock = clock
        self.monotonic = monotonic
        self.stopping = asyncio.Event()
        self.ledger = UpdateLedger()
        self.lanes: ChatLanes[tuple[int, Incoming | None]] = ChatLanes(
            self._handle, limit=chats_at_once)
        self.handled = 0  # updates handled since start, for logs and tests
        self._fetched_at = 0.0

    def stop(self) -> None:
        """Finish the updates in hand, then return from `run`; the rest stays at Telegram."""
        self.stopping.set()

    async def run(self) -> None:
        bot = self.application.bot
        with contextlib.suppress(TelegramError):  # getUpdates will say what is wrong, if anything
            await bot.delete_webhook(drop_pending_updates=False)
        position = await self.cursor.polling_position(self.clock())
        if position is not None:
            self.ledger = UpdateLedger(position.settled, position.handled)
        log_event("polling", mode="confirm_after_handle",
                  update=position.settled if position is not None else None)
        try:
            await self._poll(bot)
        except asyncio.CancelledError:
            await self.lanes.cancel()  # as a crash: what is in hand stays unconfirmed
            raise
        await self.lanes.drain(STOP_SECONDS)

    async def _poll(self, bot: Any) -> None:
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
            self._take(updates)
            await self._wait_for_room()

    async def _fetch(self, bot: Any) -> list[Json] | None:
        """One poll (long while nothing is in hand), given up (None) the moment `stop` is called."""
        self._fetched_at = self.monotonic()
        timeout = self.poll_timeout if not self.ledger.in_hand else 0
        fetch = asyncio.ensure_future(bot.do_api_request(
            "getUpdates",
            api_kwargs={"offset": self.ledger.offset, "limit": BATCH, "timeout": timeout,
                        "allowed_updates": self.allowed_updates},
            read_timeout=READ_TIMEOUT + timeout,  # as Bot.get_updates: the long poll on top
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
        result = fetch.result()
        return [update for update in result if isinstance(update, dict)] if isinstance(result, list) else []

    def _take(self, updates: Sequence[Json]) -> None:
        """Hand each new update to its chat's lane; skip those in hand or handled already."""
        now = self.monotonic()
        for update in updates:
            if not isinstance(update.get("update_id"), int):
                continue  # Telegram numbers every update; without one it cannot be confirmed
            update_id = update["update_id"]
            if not self.ledger.admit(update_id, now):
                continue
            try:
                incoming = incoming_from(update)
            except Exception as error:  # a strange update: noted as handled, nothing to answer
                log_event("handler_error", level=logging.ERROR, reason=type(error).__name__)
                incoming = None
            self.lanes.add(incoming.chat_id if incoming is not None else None,
                           (update_id, incoming))
        self.cursor.settle(self.ledger.settled)

    async def _wait_for_room(self) -> None:
        """Until nothing is in hand, or a straggler has held a free slot up long enough."""
        while self.ledger.in_hand and not self.stopping.is_set():
            waited = self.monotonic() - self._fetched_at
            if self.lanes.spare() and waited >= STRAGGLER_SECONDS:
                return  # fetch around the straggler
            self.lanes.changed.clear()
            timeout = STRAGGLER_SECONDS - waited if self.lanes.spare() else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.lanes.changed.wait(), timeout)

    async def _handle(self, work: tuple[int, Incoming | None]) -> None:
        update_id, incoming = work
        noted = False
        try:
            if incoming is not None:
                noted = await self.conversation.handle(
                    incoming, self.messenger, on_noted=lambda: self._finish(update_id))
        except Exception as error:  # the service answers its own errors; this is a last guard
            log_event("handler_error", level=logging.ERROR, reason=type(error).__name__)
        if not noted:
            await self.cursor.mark_handled(update_id, self.clock())
        self._finish(update_id)

    def _finish(self, update_id: int) -> None:
        """Handled: what is settled now may be confirmed, and polling may go on."""
        if self.ledger.finish(update_id):
            self.handled += 1
            self.cursor.settle(self.ledger.settled)
            self.lanes.changed.set()

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
