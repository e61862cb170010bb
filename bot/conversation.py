"""The conversation service: one incoming event in, replies out through a `Messenger`.

It knows no transport. Telegram (`bot/telegram/`) and the terminal chat (`bot/chat.py`) turn
what arrives into an `Incoming` and hand it here together with their `Messenger`, so what staff
try at the terminal is what Telegram users get. For every event it keeps the same promises:

- the flood guard goes first, but never holds back an emergency (the 112 button, /nood, danger
  words);
- the session is loaded, the pure engine decides, "leave and erase" deletes the messages before
  the session, and the session is saved with the update's anonymous counts in one transaction;
- a message that waited long (an outage) is answered with the guide's apology first;
- never a silent bot: when storage, the chat service or our own code fails, the user still gets
  an answer (at worst the fallback with 112 and its button); a user who blocked the bot is
  forgotten, logged once at INFO, and sent nothing more;
- one `update_handled` log line per event, without any user data.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.commands import EMERGENCY_COMMANDS
from bot.delivery import Delivery
from bot.errors import Blocked
from bot.flood import FloodGuard, Verdict
from bot.flow import actions
from bot.flow.engine import handle, language_from_code
from bot.flow.keywords import match_keywords
from bot.flow.model import DEFAULT_LANGUAGE, Guide
from bot.flow.session import Button, Command, Event, Outcome, Press, Reply, Text
from bot.logs import log_event
from bot.messenger import Messenger
from bot.pseudonym import pseudonym
from bot.reload import GuideHolder
from bot.sessions import Sessions
from bot.store import StoredSession

MAX_MESSAGE_IDS = 300  # message ids kept per session for "leave and erase"
REMEMBERED_GROUPS = 10_000  # group chats already told "private only"
LATE_AFTER = timedelta(minutes=10)  # a message this old when handled gets the "late" preface


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a user did, as any transport hands it to the service. Nothing here is kept."""

    chat_id: int
    user_id: int
    event: Event | None  # None: something the guide cannot read (a photo, a sticker, an edit)
    language_code: str | None = None
    message_id: int | None = None  # the user's own message, to delete on "leave and erase"
    pressed_id: int | None = None  # the bot message whose button was pressed
    query_id: str | None = None  # the press to answer, last
    sent_at: datetime | None = None  # when the user sent it (messages only)
    private: bool = True  # False: a group or channel, which only hears "private chats only"
    update_id: int | None = None  # the transport's cursor, noted with the session save


class Conversation:
    def __init__(
        self,
        holder: GuideHolder,
        sessions: Sessions,
        secret_key: bytes,
        *,
        flood: FloodGuard | None = None,
        delivery: Delivery | None = None,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.holder = holder
        self.sessions = sessions
        self.secret_key = secret_key
        self.flood = flood if flood is not None else FloodGuard()
        self.delivery = delivery if delivery is not None else Delivery(monotonic=monotonic)
        self.clock = clock
        self.monotonic = monotonic
        self._told_private_only: dict[str, None] = {}

    async def handle(self, incoming: Incoming, messenger: Messenger, *,
                     on_noted: Callable[[], None] | None = None) -> bool:
        """Answer one event; never raises, and a press is answered last.

        True when `incoming.update_id` was noted as handled together with the session save;
        otherwise the transport notes it itself (`bot.telegram.polling`). `on_noted` is told as
        soon as it was, before the press is answered, so polling can go on meanwhile.
        """
        started = self.monotonic()
        deadline = self.delivery.deadline()
        self.sessions.begin_update()
        noted = False
        try:
            if not incoming.private:
                await self._private_only(incoming, messenger, deadline)
            elif incoming.event is None:
                noted = await self._unsupported(incoming, messenger, started, deadline)
            else:
                noted = await self._converse(incoming, incoming.event, messenger, started,
                                             deadline)
        except Blocked:
            await self._forget_blocked(incoming)
        except Exception as error:
            log_event("handler_error", level=logging.ERROR, reason=type(error).__name__,
                      latency_ms=self._latency(started))
            await self.fallback(incoming, messenger)
        if noted and on_noted is not None:
            on_noted()
        # A press is answered last, after its reply and its session are saved: if the process
        # dies before that, the press comes again and is answered once; redoing its edit shows
        # nothing new.
        if incoming.query_id is not None:
            await self.delivery.answer(messenger, incoming.query_id)
        return noted

    async def _converse(self, incoming: Incoming, event: Event, messenger: Messenger,
                        started: float, deadline: float) -> bool:
        guide = self.holder.guide
        key = pseudonym(self.secret_key, incoming.user_id)
        verdict = self.flood.check(key, started, emergency=is_emergency(guide, event))
        if verdict is not Verdict.ALLOW:
            if verdict is Verdict.WARN:
                language = language_from_code(incoming.language_code)
                await self.delivery.deliver(messenger, incoming.chat_id, key,
                                            (Reply(guide.message("slow_down", language)),),
                                            edit_of=None, deadline=deadline)
            log_event("update_handled", flow=guide.version, outcome=f"flood_{verdict.value}",
                      latency_ms=self._latency(started))
            return False
        now_wall = self.clock()
        now = datetime.fromtimestamp(now_wall, UTC)
        stored = await self.sessions.load(key, now_wall)
        outcome = handle(
            guide, stored.state if stored is not None else None, event, now,
            language=language_from_code(incoming.language_code),
        )
        log_id = stored.log_id if stored is not None else secrets.token_hex(4)
        known = list(stored.message_ids) if stored is not None else []
        known += self.delivery.outbox.take_sent(key)  # replies sent late, after an outage
        known += [i for i in (incoming.message_id, incoming.pressed_id) if i is not None]
        counted = noted = False  # the tallies and the update id go with the session save
        if outcome.erase_chat:
            await self.delivery.erase(messenger, incoming.chat_id, known, deadline)
            await self.sessions.delete(key)
            await self.delivery.deliver(messenger, incoming.chat_id, key, outcome.replies,
                                        edit_of=None, deadline=deadline)
        else:
            replies = with_late_preface(guide, outcome, incoming.sent_at, now)
            known += await self.delivery.deliver(messenger, incoming.chat_id, key, replies,
                                                 edit_of=incoming.pressed_id, deadline=deadline)
            if outcome.state is None:
                await self.sessions.delete(key)
            else:
                noted = await self.sessions.save(key, StoredSession(
                    state=outcome.state, message_ids=bounded(known), log_id=log_id,
                    updated_at=now_wall,
                ), tallies=outcome.tallies, when=now, update_id=incoming.update_id)
                counted = True
        if not counted:
            await self.sessions.count(outcome.tallies, now)
        node = outcome.state.node if outcome.state is not None else None
        log_event("update_handled", flow=guide.version, node=node, outcome=outcome.result,
                  latency_ms=self._latency(started), session=log_id)
        return noted

    async def _private_only(self, incoming: Incoming, messenger: Messenger,
                            deadline: float) -> None:
        # Remember the chat only as a keyed pseudonym, in memory, so we say it once.
        marker = pseudonym(self.secret_key, incoming.chat_id)
        if marker in self._told_private_only:
            return
        self._told_private_only[marker] = None
        while len(self._told_private_only) > REMEMBERED_GROUPS:
            del self._told_private_only[next(iter(self._told_private_only))]
        guide = self.holder.guide
        language = language_from_code(incoming.language_code)
        reply = Reply(guide.message("private_only", language))
        with contextlib.suppress(Blocked):  # a channel we may not post in gets no answer
            await self.delivery.send_now(messenger, incoming.chat_id, reply, deadline)
        log_event("update_handled", flow=guide.version, outcome="private_only")

    async def _unsupported(self, incoming: Incoming, messenger: Messenger, started: float,
                           deadline: float) -> bool:
        """Photos, stickers, voice, files, locations, contacts, edits: keep none of it."""
        guide = self.holder.guide
        key = pseudonym(self.secret_key, incoming.user_id)
        noted = False
        if self.flood.check(key, started) is not Verdict.ALLOW:
            return noted
        now_wall = self.clock()
        stored = await self.sessions.load(key, now_wall)
        language = (stored.state.language if stored is not None
                    else language_from_code(incoming.language_code))
        reply = Reply(guide.message("unsupported", language), emergency_row(guide, language))
        sent = await self.delivery.deliver(messenger, incoming.chat_id, key, (reply,),
                                           edit_of=None, deadline=deadline)
        if stored is not None:
            # Only the message ids, so "leave and erase" removes what they shared as well.
            ids = [*stored.message_ids, *sent]
            if incoming.message_id is not None:
                ids.append(incoming.message_id)
            noted = await self.sessions.save(key, replace(stored, message_ids=bounded(ids),
                                                          updated_at=now_wall),
                                             update_id=incoming.update_id)
        log_event("update_handled", flow=guide.version, outcome="unsupported",
                  latency_ms=self._latency(started))
        return noted

    async def fallback(self, incoming: Incoming, messenger: Messenger) -> None:
        """The answer when our own code failed: sorry, 112 and the support team, and a 112 button."""
        if not incoming.private:
            return
        guide = self.holder.guide
        language = language_from_code(incoming.language_code)
        reply = Reply(guide.message("fallback", language), emergency_row(guide, language))
        key = pseudonym(self.secret_key, incoming.user_id)
        try:
            await self.delivery.deliver(messenger, incoming.chat_id, key, (reply,),
                                        edit_of=None, deadline=self.delivery.deadline())
        except Blocked:
            await self._forget_blocked(incoming)
        except Exception as error:
            log_event("telegram_error", level=logging.ERROR, reason=type(error).__name__,
                      method="sendMessage")

    async def _forget_blocked(self, incoming: Incoming) -> None:
        """The user blocked the bot: one INFO line, the session and anything held are dropped."""
        log_event("chat_blocked", level=logging.INFO)
        self.delivery.outbox.forget(incoming.chat_id)
        await self.sessions.delete(pseudonym(self.secret_key, incoming.user_id))

    def _latency(self, started: float) -> int:
        return round((self.monotonic() - started) * 1000)


def is_emergency(guide: Guide, event: Event) -> bool:
    """The 112 button, /nood, or danger words: answered even mid-flood."""
    if isinstance(event, Press):
        return event.action == actions.EMERGENCY
    if isinstance(event, Command):
        return event.name.lower() in EMERGENCY_COMMANDS
    if isinstance(event, Text):
        return match_keywords(guide.keywords, event.text, emergency_only=True) is not None
    return False


def emergency_row(guide: Guide, language: str) -> tuple[tuple[Button, ...], ...]:
    return ((Button(guide.button("emergency", language), actions.EMERGENCY),),)


def with_late_preface(guide: Guide, outcome: Outcome, sent_at: datetime | None,
                      now: datetime) -> tuple[Reply, ...]:
    """After an outage, say sorry for the wait (the guide's `late` message, which it must have)."""
    if sent_at is None or not outcome.replies or now - sent_at < LATE_AFTER:
        return outcome.replies
    language = outcome.state.language if outcome.state is not None else DEFAULT_LANGUAGE
    first, *rest = outcome.replies
    late = guide.message("late", language).strip()
    return (replace(first, text=f"{late}\n\n{first.text}"), *rest)


def bounded(ids: Iterable[int]) -> tuple[int, ...]:
    unique = sorted(set(ids))
    return tuple(unique[-MAX_MESSAGE_IDS:])
