"""The thin Telegram adapter: Update -> engine event -> store -> replies.

The engine decides everything about the conversation; this module only translates. It also keeps
the promises that live at the Telegram boundary: only private chats, nothing kept of what users
type or share, every button press answered, and never a silent bot — when storage, Telegram or
our own code fails, the user still gets an answer (at worst the fallback text with 112 and the
Ondersteuningsteam), and the operator gets one log line naming the kind of fault, no user data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar

import httpx
from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import CallbackContext

from bot.flood import FloodGuard, Verdict
from bot.flow import actions
from bot.flow.engine import handle, language_from_code
from bot.flow.keywords import match_keywords
from bot.flow.model import DEFAULT_LANGUAGE, Guide
from bot.flow.session import Button, Command, Event, Outcome, Press, Reply, Text
from bot.logs import log_event
from bot.outbox import HeldReply, Outbox
from bot.pseudonym import pseudonym
from bot.reload import GuideHolder
from bot.sessions import Sessions
from bot.store import StoredSession

T = TypeVar("T")
AnyContext = CallbackContext[Any, Any, Any, Any]

MAX_MESSAGE_IDS = 300  # message ids kept per session for "leave and erase"
DELETE_BATCH = 100  # Telegram's limit for deleteMessages
REMEMBERED_GROUPS = 10_000  # group chats already told "private only"
LATE_AFTER = timedelta(minutes=10)  # a message this old when handled gets the "late" preface
SEND_ATTEMPTS = 3
RETRY_BACKOFF = (0.5, 1.5)  # seconds between attempts
MAX_RETRY_AFTER = 30.0  # a longer flood wait is not waited out inside a handler
EMERGENCY_COMMANDS = frozenset({"nood"})
HELD_RETRY_FIRST = 1.0  # seconds before held replies are tried again; doubles up to the max
HELD_RETRY_MAX = 15.0


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Unreachable(Exception):
    """Telegram could not take a reply (down, overloaded, or the connection failed): hold it."""


def _surely_unsent(error: TimedOut) -> bool:
    """A time-out before the request left (no connection, or none free in the pool)."""
    return isinstance(error.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout))


class _Sent(Enum):
    DONE = "done"  # delivered, or given up for good (blocked, too old, maybe delivered)
    UNREACHABLE = "unreachable"  # keep it and try again later


@dataclass(frozen=True, slots=True)
class _Incoming:
    """What one private-chat update asks of the engine, with the ids the adapter needs."""

    event: Event
    chat_id: int
    user: User
    message_id: int | None  # the user's own message, to delete on "leave and erase"
    pressed: Message | None  # the bot message whose button was pressed
    sent_at: datetime | None  # when the user sent it (messages only)


class TelegramAdapter:
    def __init__(
        self,
        holder: GuideHolder,
        sessions: Sessions,
        secret_key: bytes,
        *,
        flood: FloodGuard | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.holder = holder
        self.sessions = sessions
        self.secret_key = secret_key
        self.flood = flood if flood is not None else FloodGuard()
        self.clock = clock
        self.monotonic = monotonic
        self._told_private_only: OrderedDict[str, None] = OrderedDict()
        self.outbox = Outbox(clock=monotonic)
        self._held_waiting = asyncio.Event()  # set while the outbox holds anything
        self._api_answered = asyncio.Event()  # set by any successful call while it does
        self._held_not_before = 0.0  # monotonic time a RetryAfter asked us to wait for
        self._sending_held = asyncio.Lock()  # held replies of a chat go out before new ones

    # -- entry points (registered by bot.app) ------------------------------------------------

    async def on_update(self, update: Update, context: AnyContext) -> None:
        started = self.monotonic()
        self.sessions.begin_update(update.update_id)
        try:
            await self._dispatch(update, context)
        except Exception as error:
            await self._fail(update, context, error, started)
        # A press is answered last, after its reply and its session are saved: if the process
        # dies before that, the press comes again (confirm-after-handle polling) and is
        # answered once, and redoing its edit shows nothing new.
        if update.callback_query is not None:
            await self._answer(update.callback_query)

    async def on_error(self, update: object, context: AnyContext) -> None:
        """Last line: whatever escaped a handler is logged by class and answered with fallback."""
        error = context.error
        log_event("handler_error", level=logging.ERROR,
                  reason=type(error).__name__ if error is not None else "unknown")
        if isinstance(update, Update):
            await self._send_fallback(update, context)

    # -- dispatch ----------------------------------------------------------------------------

    async def _dispatch(self, update: Update, context: AnyContext) -> None:
        chat = update.effective_chat
        query = update.callback_query
        if chat is None:
            return
        if chat.type != ChatType.PRIVATE:
            await self._private_only(update, context)
            return
        user = update.effective_user
        if user is None or user.is_bot:
            return
        message = update.message
        if update.edited_message is not None or (query is None and message is None):
            await self._unsupported(update, context, chat.id, user, None)
            return
        if query is not None:
            pressed = query.message if isinstance(query.message, Message) else None
            incoming = _Incoming(Press(query.data or ""), chat.id, user, None, pressed, None)
        elif message is not None and message.text is not None:
            incoming = _Incoming(_event_from_text(message.text), chat.id, user,
                                 message.message_id, None, message.date)
        elif message is not None:
            await self._unsupported(update, context, chat.id, user, message.message_id)
            return
        else:
            return
        await self._converse(incoming, context)

    async def _converse(self, incoming: _Incoming, context: AnyContext) -> None:
        started = self.monotonic()
        guide = self.holder.guide
        key = pseudonym(self.secret_key, incoming.user.id)
        verdict = self.flood.check(key, started, emergency=self._is_emergency(guide, incoming.event))
        if verdict is not Verdict.ALLOW:
            if verdict is Verdict.WARN:
                language = language_from_code(incoming.user.language_code)
                await self._send(context, incoming.chat_id,
                                 Reply(guide.message("slow_down", language)))
            log_event("update_handled", flow=guide.version, outcome=f"flood_{verdict.value}",
                      latency_ms=self._latency(started))
            return
        now_wall = self.clock()
        now = datetime.fromtimestamp(now_wall, UTC)
        stored = await self.sessions.load(key, now_wall)
        outcome = handle(
            guide, stored.state if stored is not None else None, incoming.event, now,
            language=language_from_code(incoming.user.language_code),
        )
        log_id = stored.log_id if stored is not None else secrets.token_hex(4)
        known = list(stored.message_ids) if stored is not None else []
        known += self.outbox.take_sent(key)  # replies sent late, after an outage
        if incoming.message_id is not None:
            known.append(incoming.message_id)
        if incoming.pressed is not None:
            known.append(incoming.pressed.message_id)
        counted = False  # the tallies go with the session save when there is one
        if outcome.erase_chat:
            self.outbox.forget(incoming.chat_id)  # nothing held may reappear after an erase
            await self._erase(context, incoming.chat_id, known)
            await self.sessions.delete(key)
            for reply in outcome.replies:
                await self._send(context, incoming.chat_id, reply)
        else:
            replies = self._with_late_preface(guide, outcome, incoming, now)
            known += await self._deliver(context, incoming, key, replies)
            if outcome.state is None:
                await self.sessions.delete(key)
            else:
                await self.sessions.save(key, StoredSession(
                    state=outcome.state,
                    message_ids=_bounded(known),
                    log_id=log_id,
                    updated_at=now_wall,
                ), tallies=outcome.tallies, when=now)
                counted = True
        if not counted:
            await self.sessions.count(outcome.tallies, now)
        node = outcome.state.node if outcome.state is not None else None
        log_event("update_handled", flow=guide.version, node=node, outcome=outcome.result,
                  latency_ms=self._latency(started), session=log_id)

    # -- the non-conversation answers ----------------------------------------------------------

    async def _private_only(self, update: Update, context: AnyContext) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        # Remember the chat only as a keyed pseudonym, in memory, so we say it once.
        marker = pseudonym(self.secret_key, chat.id)
        if marker in self._told_private_only:
            self._told_private_only.move_to_end(marker)
            return
        self._told_private_only[marker] = None
        while len(self._told_private_only) > REMEMBERED_GROUPS:
            self._told_private_only.popitem(last=False)
        user = update.effective_user
        language = language_from_code(user.language_code if user is not None else None)
        guide = self.holder.guide
        # A channel we may not post in simply gets no answer.
        with contextlib.suppress(Forbidden, BadRequest):
            await self._send(context, chat.id, Reply(guide.message("private_only", language)))
        log_event("update_handled", flow=guide.version, outcome="private_only")

    async def _unsupported(
        self, update: Update, context: AnyContext, chat_id: int, user: User,
        message_id: int | None,
    ) -> None:
        """Photos, stickers, voice, files, locations, contacts, edits: keep none of it."""
        started = self.monotonic()
        guide = self.holder.guide
        key = pseudonym(self.secret_key, user.id)
        if self.flood.check(key, started) is not Verdict.ALLOW:
            return
        now_wall = self.clock()
        stored = await self.sessions.load(key, now_wall)
        language = (stored.state.language if stored is not None
                    else language_from_code(user.language_code))
        sent = await self._send(context, chat_id, Reply(guide.message("unsupported", language)))
        if stored is not None:
            # Only the message ids, so "leave and erase" removes what they shared as well.
            ids = [*stored.message_ids, *(i for i in (message_id, sent) if i is not None)]
            await self.sessions.save(key, replace(stored, message_ids=_bounded(ids),
                                                  updated_at=now_wall))
        log_event("update_handled", flow=guide.version, outcome="unsupported",
                  latency_ms=self._latency(started))

    async def _fail(
        self, update: Update, context: AnyContext, error: Exception, started: float
    ) -> None:
        log_event("handler_error", level=logging.ERROR, reason=type(error).__name__,
                  latency_ms=self._latency(started))
        await self._send_fallback(update, context)

    async def _send_fallback(self, update: Update, context: AnyContext) -> None:
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        user = update.effective_user
        language = language_from_code(user.language_code if user is not None else None)
        try:
            text = self.holder.guide.message("fallback", language)
        except Exception:
            text = self.holder.guide.message("fallback", DEFAULT_LANGUAGE)
        buttons = ((Button(self.holder.guide.button("emergency", language), actions.EMERGENCY),),)
        try:
            await self._send(context, chat.id, Reply(text, buttons))
        except Exception as error:
            log_event("telegram_error", level=logging.ERROR, reason=type(error).__name__,
                      method="sendMessage")

    # -- Telegram calls ------------------------------------------------------------------------

    async def _answer(self, query: CallbackQuery) -> None:
        try:
            await self._call("answerCallbackQuery", lambda: query.answer(), idempotent=True)
        except TelegramError as error:
            # Too old or already answered: the conversation goes on regardless.
            log_event("telegram_error", level=logging.WARNING, reason=type(error).__name__,
                      method="answerCallbackQuery")

    async def _deliver(
        self, context: AnyContext, incoming: _Incoming, key: str, replies: Sequence[Reply]
    ) -> list[int]:
        """Send the replies; a button press edits the pressed message in place when it can.

        When Telegram cannot take them (down, overloaded, no connection), they are held in the
        outbox and sent as soon as it answers again; replies held earlier for this chat go first.
        """
        chat_id = incoming.chat_id
        if self.outbox.holds(chat_id):
            await self._send_held_of(context.bot, chat_id)
        if self.outbox.holds(chat_id):
            # Behind other held replies, a new message reads better than an edit further up.
            self._hold(chat_id, key, replies, None, "waiting")
            return []
        sent: list[int] = []
        remaining = list(replies)
        pressed = incoming.pressed
        edit_of: int | None = None
        try:
            if pressed is not None and remaining:
                edit_of = pressed.message_id
                if await self._edit(context, pressed, remaining[0]):
                    remaining.pop(0)
                edit_of = None
            while remaining:
                message_id = await self._send(context, chat_id, remaining[0])
                remaining.pop(0)
                if message_id is not None:
                    sent.append(message_id)
        except Unreachable as error:
            self._hold(chat_id, key, remaining, edit_of, type(error.__cause__).__name__)
        return sent

    async def _edit(self, context: AnyContext, message: Message, reply: Reply) -> bool:
        parameters = {"chat_id": message.chat_id, "message_id": message.message_id,
                      "text": reply.text, "reply_markup": _keyboard(reply)}

        async def edit() -> None:
            # PTB's `_post` rather than `edit_message_text`: the edited message Telegram sends
            # back is never used, and turning it into PTB objects cost about 0.12 ms of CPU
            # per press (a guide node's text and keyboard). `_post` still goes through the rate
            # limiter and raises the same errors.
            await context.bot._post("editMessageText", parameters)

        try:
            await self._call("editMessageText", edit, idempotent=True)
        except BadRequest as error:
            # "Not modified" means it already shows this; anything else (too old, deleted):
            # send a new message instead.
            return "not modified" in str(error).lower()
        except (RetryAfter, NetworkError) as error:  # TimedOut too: an edit is safe to repeat
            raise Unreachable from error
        except TelegramError:
            return False
        return True

    async def _send(self, context: AnyContext, chat_id: int, reply: Reply) -> int | None:
        """Send one message; its id, or None when a time-out leaves it unknown (not resent)."""
        markup = _keyboard(reply)
        async def send() -> Message:
            message: Message = await context.bot.send_message(
                chat_id, reply.text, reply_markup=markup
            )
            return message

        try:
            message = await self._call("sendMessage", send, idempotent=False)
        except TimedOut as error:
            if _surely_unsent(error):
                raise Unreachable from error
            # It may well have arrived; sending again could show it twice.
            return None
        except (BadRequest, Forbidden, InvalidToken, Conflict, ChatMigrated):
            raise  # answers, not an outage
        except (RetryAfter, NetworkError) as error:
            raise Unreachable from error
        return message.message_id

    async def _erase(self, context: AnyContext, chat_id: int, message_ids: Iterable[int]) -> None:
        """Delete every known message of this chat, the user's and ours, in batches of 100."""
        ids = sorted(set(message_ids))
        for start in range(0, len(ids), DELETE_BATCH):
            batch = ids[start:start + DELETE_BATCH]
            async def delete(batch: list[int] = batch) -> None:
                await context.bot.delete_messages(chat_id, batch)

            try:
                await self._call("deleteMessages", delete, idempotent=True)
            except TelegramError as error:
                log_event("telegram_error", level=logging.WARNING, reason=type(error).__name__,
                          method="deleteMessages", count=len(batch))
                await self._erase_one_by_one(context, chat_id, batch)

    async def _erase_one_by_one(self, context: AnyContext, chat_id: int, ids: list[int]) -> None:
        for message_id in ids:
            try:
                await context.bot.delete_message(chat_id, message_id)
            except TelegramError:
                continue  # too old (48 h) or already gone; the help text says so plainly

    async def _call(
        self, method: str, call: Callable[[], Awaitable[T]], *, idempotent: bool
    ) -> T:
        """Run one Bot API call, retrying what is safe to retry, with back-off.

        RetryAfter waits as told (the rate limiter has usually done so already); a 5xx or a
        dropped connection is retried; a time-out only for calls that are safe to repeat;
        BadRequest and Forbidden are answers, not faults, and go straight back to the caller.
        """
        for attempt in range(SEND_ATTEMPTS):
            last = attempt == SEND_ATTEMPTS - 1
            backoff = RETRY_BACKOFF[min(attempt, len(RETRY_BACKOFF) - 1)]
            try:
                result = await call()
            except RetryAfter as error:
                wait = _seconds(error.retry_after)
                log_event("telegram_error", level=logging.WARNING, reason="RetryAfter",
                          method=method, retry_after=wait)
                if last or wait > MAX_RETRY_AFTER:
                    raise
                await asyncio.sleep(wait + 0.1)
            except TimedOut as error:
                log_event("telegram_error", level=logging.WARNING, reason=type(error).__name__,
                          method=method)
                if last or not (idempotent or _surely_unsent(error)):
                    raise
                await asyncio.sleep(backoff)
            except (BadRequest, Forbidden, InvalidToken, Conflict, ChatMigrated):
                raise
            except NetworkError as error:
                log_event("telegram_error", level=logging.WARNING, reason=type(error).__name__,
                          method=method)
                if last:
                    raise
                await asyncio.sleep(backoff)
            else:
                if self._held_waiting.is_set():
                    self._api_answered.set()  # Telegram is back: the outbox need not wait
                return result
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- the outbox: replies held through a Telegram outage ---------------------------------------

    def api_answered(self) -> None:
        """Telegram answered a call (getUpdates, say): held replies need not wait any longer."""
        if self._held_waiting.is_set():
            self._api_answered.set()

    def _hold(
        self, chat_id: int, key: str, replies: Sequence[Reply], edit_of: int | None, reason: str
    ) -> None:
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

    async def deliver_held_forever(self, bot: Any) -> None:
        """Background task: send held replies when Telegram answers again, with back-off.

        It sleeps while nothing is held. Then it tries one reply after 1 s, 2 s, 4 s ... up to
        15 s (or as long as a 429 asked), and at once when any other call succeeds; one failed
        request per try, so an outage never turns into a hot loop.
        """
        delay = HELD_RETRY_FIRST
        while True:
            await self._held_waiting.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._api_answered.wait(), delay)
            self._api_answered.clear()
            pause = self._held_not_before - self.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            if await self.deliver_held(bot):
                delay = HELD_RETRY_FIRST
            else:
                delay = min(delay * 2, HELD_RETRY_MAX)
                await asyncio.sleep(0.25)  # a burst of successful calls elsewhere is no reason
            if not self.outbox:
                self._held_waiting.clear()

    async def deliver_held(self, bot: Any) -> bool:
        """Try every chat's held replies in order; False when Telegram still cannot take them."""
        expired = self.outbox.expire()
        if expired:
            log_event("held_reply_dropped", level=logging.WARNING, reason="expired",
                      count=expired)
        for chat_id in self.outbox.chats():
            if not await self._send_held_of(bot, chat_id):
                return False
        return True

    async def _send_held_of(self, bot: Any, chat_id: int) -> bool:
        async with self._sending_held:
            while (held := self.outbox.first(chat_id)) is not None:
                if await self._send_held(bot, chat_id, held) is _Sent.UNREACHABLE:
                    return False
                self.outbox.done(chat_id)
        return True

    async def _send_held(self, bot: Any, chat_id: int, held: HeldReply) -> _Sent:
        """One attempt, no retries here: the caller backs off."""
        markup = _keyboard(held.reply)
        try:
            if held.edit_of is not None:
                try:
                    await bot._post("editMessageText", {
                        "chat_id": chat_id, "message_id": held.edit_of,
                        "text": held.reply.text, "reply_markup": markup})
                except BadRequest as error:
                    if "not modified" in str(error).lower():
                        return _Sent.DONE
                    # Too old or deleted: send it as a new message below.
                except TimedOut:
                    return _Sent.UNREACHABLE  # an edit is safe to try again
                else:
                    log_event("held_reply_sent", method="editMessageText")
                    return _Sent.DONE
            message = await bot.send_message(chat_id, held.reply.text, reply_markup=markup)
        except RetryAfter as error:
            self._held_not_before = self.monotonic() + _seconds(error.retry_after)
            return _Sent.UNREACHABLE
        except TimedOut as error:
            if _surely_unsent(error):
                return _Sent.UNREACHABLE
            # It may have arrived; showing it twice is worse than the risk of not at all.
            log_event("held_reply_dropped", level=logging.WARNING, reason="TimedOut", count=1)
            return _Sent.DONE
        except (BadRequest, Forbidden, ChatMigrated) as error:
            log_event("held_reply_dropped", level=logging.WARNING, reason=type(error).__name__,
                      count=1)
            return _Sent.DONE
        except TelegramError as error:
            log_event("telegram_error", level=logging.WARNING, reason=type(error).__name__,
                      method="sendMessage")
            return _Sent.UNREACHABLE
        self.outbox.record_sent(held.key, message.message_id)
        log_event("held_reply_sent", method="sendMessage")
        return _Sent.DONE

    # -- small helpers -------------------------------------------------------------------------

    @staticmethod
    def _is_emergency(guide: Guide, event: Event) -> bool:
        if isinstance(event, Press):
            return event.action == actions.EMERGENCY
        if isinstance(event, Command):
            return event.name.lower() in EMERGENCY_COMMANDS
        if isinstance(event, Text):
            return match_keywords(guide.keywords, event.text, emergency_only=True) is not None
        return False

    def _with_late_preface(
        self, guide: Guide, outcome: Outcome, incoming: _Incoming, now: datetime
    ) -> tuple[Reply, ...]:
        """After an outage, say sorry for the wait (the guide's `late` message, which it must have)."""
        sent_at = incoming.sent_at
        if sent_at is None or not outcome.replies or now - sent_at < LATE_AFTER:
            return outcome.replies
        language = outcome.state.language if outcome.state is not None else DEFAULT_LANGUAGE
        first, *rest = outcome.replies
        late = guide.message("late", language).strip()
        return (replace(first, text=f"{late}\n\n{first.text}"), *rest)

    def _latency(self, started: float) -> int:
        return round((self.monotonic() - started) * 1000)


def _event_from_text(text: str) -> Event:
    """`/cmd arg` becomes a Command (a `@botname` suffix is dropped), anything else Text."""
    if text.startswith("/") and len(text) > 1:
        head, _, argument = text[1:].partition(" ")
        name = head.split("@", 1)[0]
        if name:
            return Command(name.lower(), argument.strip())
    return Text(text)


def _bounded(ids: Iterable[int]) -> tuple[int, ...]:
    unique = sorted(set(ids))
    return tuple(unique[-MAX_MESSAGE_IDS:])


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button.label, callback_data=button.action) for button in row]
         for row in reply.buttons]
    )

