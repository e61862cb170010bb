"""The conversation service without any transport: what a user gets when things go wrong.

Each test drives `bot.conversation.Conversation` with a recording messenger and an in-memory
store, as the terminal chat does, and asserts on the replies a user would see.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.conversation import Conversation, Incoming
from bot.flood import FloodGuard, FloodLimits, Verdict
from bot.flow import actions
from bot.flow.model import Guide
from bot.flow.session import Command, Event, Press, SessionState, Start, Tally, Text
from bot.pseudonym import pseudonym
from bot.reload import GuideHolder
from bot.sessions import Sessions
from bot.store import MemoryStore, StoredSession
from tests.fakes.messenger import RecordingMessenger
from tests.fakes.running_bot import FIXTURE_GUIDE, SHIPPED_FLOWS, guide_from

SECRET = b"conversation-test-secret-key-0123456789-abcdefghijkl"
USER = 5550001
EMERGENCY_TEXT = "Bel nu 112"  # the fixture guide's emergency node


class FaultyStore(MemoryStore):
    """Opens fine, then raises on the named operations while they are in `failing`."""

    def __init__(self, *failing: str) -> None:
        super().__init__()
        self.failing = set(failing)
        self.attempts: dict[str, int] = {}

    def _check(self, operation: str) -> None:
        self.attempts[operation] = self.attempts.get(operation, 0) + 1
        if operation in self.failing:
            raise OSError("disk I/O error")

    async def load(self, key: str, now: float) -> StoredSession | None:
        self._check("load")
        return await super().load(key, now)

    async def save(self, key: str, session: StoredSession, *, tallies: Iterable[Tally] = (),
                   when: datetime | None = None, update_id: int | None = None,
                   settled: int | None = None) -> None:
        self._check("save")
        await super().save(key, session, tallies=tallies, when=when, update_id=update_id,
                           settled=settled)

    async def delete(self, key: str) -> None:
        self._check("delete")
        await super().delete(key)


class ExplodingFloodGuard(FloodGuard):
    def check(self, key: str, now: float, *, emergency: bool = False) -> Verdict:
        raise RuntimeError("a bug halfway through an update")


@pytest.fixture(scope="module")
def guide() -> Guide:
    return guide_from(FIXTURE_GUIDE)


def service(guide: Guide, store: MemoryStore | None = None,
            flood: FloodGuard | None = None) -> tuple[Conversation, MemoryStore]:
    store = store if store is not None else MemoryStore()
    sessions = Sessions(store, retention_seconds=store.retention_seconds)
    conversation = Conversation(GuideHolder(guide, files=1), sessions, SECRET, flood=flood,
                                monotonic=lambda: 1000.0)  # a user tapping faster than refills
    return conversation, store


async def say(conversation: Conversation, event: Event | None, *,
              messenger: RecordingMessenger | None = None) -> RecordingMessenger:
    messenger = messenger if messenger is not None else RecordingMessenger()
    await conversation.handle(Incoming(USER, USER, event, "nl", message_id=7), messenger)
    return messenger


@pytest.mark.parametrize("emergency", [Press(actions.EMERGENCY), Command("nood"),
                                       Command("sos"), Command("112")],
                         ids=["112 button", "/nood", "/sos", "/112"])
async def test_a_flooded_user_who_asks_for_help_gets_the_emergency_screen(guide, emergency):
    """Mid-flood, the 112 button and /nood are answered with 112, not with silence."""
    flood = FloodGuard(FloodLimits(burst=2, per_second=0.0001, quiet_seconds=600))
    conversation, _ = service(guide, flood=flood)
    for _ in range(4):
        await say(conversation, Text("hallo"))
    assert not (await say(conversation, Text("hallo"))).calls  # ignored: the flood is on
    answer = await say(conversation, emergency)
    assert EMERGENCY_TEXT in answer.text()


async def test_typed_112_with_an_outdated_stored_state_shows_the_emergency_screen(guide):
    """A session from an older guide plus "112" lands on 112, not on "the guide was updated"."""
    store = MemoryStore()
    old = SessionState(node="a_node_this_guide_removed", back=("start",), flow_version="old")
    store.sessions[pseudonym(SECRET, USER)] = StoredSession(state=old, updated_at=1_800_000_000.0)
    conversation, _ = service(guide, store)
    conversation.clock = lambda: 1_800_000_000.0
    answer = await say(conversation, Text("112"))
    assert EMERGENCY_TEXT in answer.text()
    assert guide.message("flow_changed", "nl") not in answer.text()


async def test_the_fallback_after_a_handler_error_keeps_its_112_button(guide, caplog):
    """When our own code fails, the apology names 112 and carries the 112 button."""
    caplog.set_level(logging.INFO)
    conversation, _ = service(guide, flood=ExplodingFloodGuard())
    answer = await say(conversation, Text("ik word bedreigd"))
    reply = answer.last()
    assert "112" in reply.text
    assert actions.EMERGENCY in [b.action for b in RecordingMessenger.buttons(reply)]
    assert [r.event for r in caplog.records if r.levelno >= logging.ERROR] == ["handler_error"]


async def test_an_erase_that_meets_a_storage_fault_is_retried(guide):
    """/wis while the disk fails: the session is gone at once for the user, and later on disk."""
    store = FaultyStore()
    conversation, _ = service(guide, store)
    await say(conversation, Start())
    key = pseudonym(SECRET, USER)
    assert key in store.sessions
    store.failing = {"delete"}
    erased = await say(conversation, Command("wis"))
    assert "Gewist" in erased.text()
    assert key in store.sessions  # the fault kept it on disk for now
    assert await conversation.sessions.load(key, 1e12) is None  # but it is never served again
    store.failing = set()
    await conversation.handle(Incoming(42, 42, Start(), "nl"), RecordingMessenger())
    assert key not in store.sessions  # the next update's first store call retried the erase


@pytest.mark.parametrize("operation", ["load", "save"])
async def test_a_failing_load_or_save_after_open_degrades_instead_of_failing(
    guide, operation, caplog
):
    """The store opened, then fails: the user still gets real answers, never the fallback."""
    caplog.set_level(logging.INFO)
    store = FaultyStore()
    conversation, _ = service(guide, store)
    assert await conversation.sessions.open()
    first = await say(conversation, Start())
    assert "Wat is uw rol?" in first.text()
    conversation, _ = service(guide, store)  # a restart: nothing of this user in memory
    assert await conversation.sessions.open()
    store.failing = {operation}
    press = RecordingMessenger.buttons(first.last())[0]
    second = await say(conversation, Press(press.action))
    assert second.replies()
    assert guide.message("fallback", "nl") not in second.text()
    third = await say(conversation, Text("ik word bedreigd"))
    assert "070-3738314" in third.text()
    events = [r.event for r in caplog.records]
    assert "storage_error" in events
    assert "handler_error" not in events
    assert store.attempts.get(operation, 0) >= 1


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_photos_and_stickers_are_answered_with_112_and_its_button(language):
    """Something the guide cannot read still gets an answer that names 112 and has the button."""
    conversation, _ = service(guide_from(SHIPPED_FLOWS))
    messenger = RecordingMessenger()
    await conversation.handle(Incoming(USER, USER, None, language, message_id=9), messenger)
    reply = messenger.last()
    assert "112" in reply.text
    assert actions.EMERGENCY in [b.action for b in RecordingMessenger.buttons(reply)]


def test_the_terminal_chat_and_telegram_share_the_one_conversation_service(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Both transports hand their events to `Conversation.handle`; neither has its own copy."""
    import asyncio
    import io

    from bot.chat import converse
    from tests.fakes.bot_api import FakeBotApi, FakeUser
    from tests.fakes.running_bot import bot_settings, running_bot

    seen: list[str] = []
    real = Conversation.handle

    async def spy(self: Conversation, incoming: Incoming, messenger: object,
                  **hooks: Any) -> bool:
        seen.append(type(messenger).__name__)
        return await real(self, incoming, messenger, **hooks)  # type: ignore[arg-type]

    monkeypatch.setattr(Conversation, "handle", spy)
    out = io.StringIO()
    converse(guide_from(FIXTURE_GUIDE), ["1\n"], out, language="nl", interactive=False)
    assert "Waar gaat het over?" in out.getvalue()

    async def telegram() -> str:
        async with FakeBotApi() as api, running_bot(bot_settings(api, tmp_path)):
            return await FakeUser(api).start()

    assert "Wat is uw rol?" in asyncio.run(telegram())
    assert seen == ["TerminalMessenger", "TerminalMessenger", "TelegramMessenger"]


async def test_a_new_users_first_update_needs_no_read_but_a_known_user_is_read() -> None:
    """The store's keys are known from the start, so only sessions that exist are read."""
    store = FaultyStore()
    returning = pseudonym(SECRET, 42)
    old = SessionState(node="start", flow_version="v")
    store.sessions[returning] = StoredSession(state=old, updated_at=1_800_000_000.0)
    sessions = Sessions(store, retention_seconds=store.retention_seconds)
    assert await sessions.open()
    assert await sessions.load(pseudonym(SECRET, 43), 1_800_000_001.0) is None
    assert store.attempts.get("load", 0) == 0  # a stranger: nothing to read
    assert await sessions.load(returning, 1_800_000_001.0) is not None
    assert store.attempts["load"] == 1
    await sessions.save(pseudonym(SECRET, 43), StoredSession(state=old, updated_at=1.0))
    fresh = Sessions(store, retention_seconds=store.retention_seconds)  # after a restart
    assert await fresh.open()
    assert await fresh.load(pseudonym(SECRET, 43), 2.0) is not None
