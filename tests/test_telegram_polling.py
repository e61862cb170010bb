"""Polling confirms an update only once handled: a crash loses none and answers none twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bot.pseudonym import pseudonym
from bot.store import MemoryStore, StoredSession
from bot.store.database import SqliteStore
from tests.fakes.bot_api import REPLY_METHODS, FakeBotApi, FakeUser
from tests.fakes.running_bot import SECRET_KEY, bot_settings, running_bot


class StallingStore(MemoryStore):
    """Holds every session write (or only `stall_key`'s) while `stall` is set, so the bot can be
    killed mid-update."""

    stall = False
    stall_key: str | None = None
    stalled = 0

    async def save(self, key: str, session: StoredSession, **extra: Any) -> None:
        if self.stall and self.stall_key in (None, key):
            self.stalled += 1
            await asyncio.Event().wait()  # until the task is cancelled
        await super().save(key, session, **extra)


def replies(api: FakeBotApi, *, after: int) -> list[str]:
    return [str(c.params["text"]) for c in api.calls[after:]
            if c.ok and c.method in REPLY_METHODS]


async def test_an_update_in_hand_when_the_bot_dies_is_answered_after_the_restart(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The bot dies after editing in the answer but before saving: the press comes again, its
    redone edit shows nothing new, and the button's spinner is answered once."""
    settings = bot_settings(api, tmp_path)
    store = StallingStore()
    user = FakeUser(api)
    async with running_bot(settings, store) as first:
        await user.start()
        await api.settle()  # /start's session is saved
        store.stall = True
        mark = len(api.calls)
        await user.press("Burgemeester", wait=False)
        deadline = time.monotonic() + 5
        while not store.stalled:
            assert time.monotonic() < deadline, "the press never reached the store"
            await asyncio.sleep(0.01)
        assert first.polling is not None
        first.polling.cancel()  # as kill -9 would: nothing after this point runs
    store.stall = False
    [edited] = replies(api, after=mark)
    assert "Waar gaat het over?" in edited
    assert api.calls_to("answerCallbackQuery") == []
    restart = len(api.calls)
    async with running_bot(settings, store):
        await api.wait_for(lambda c: c.ok and c.method == "answerCallbackQuery", after=restart)
        await api.settle()
    assert replies(api, after=mark) == [edited]  # the redone edit was "not modified"
    assert len(user.bot_messages()) == 1
    assert len(api.calls_to("answerCallbackQuery")) == 1
    assert "Ik word bedreigd" in user.labels(user.last_bot_message())[0]
    assert sum("Wat is uw rol?" in text for text in replies(api, after=0)) == 1  # /start: once


async def test_updates_finished_out_of_order_are_neither_lost_nor_repeated_after_a_crash(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Alice's /start hangs in its save while Bob's, sent after it, is answered and saved; the bot
    dies: after the restart Alice's is handled again (not lost) and Bob's is not (not twice)."""
    settings = bot_settings(api, tmp_path)
    store = StallingStore()
    alice, bob = FakeUser(api, 5550301), FakeUser(api, 5550302)
    store.stall, store.stall_key = True, pseudonym(SECRET_KEY.encode(), alice.user["id"])
    bobs_key = pseudonym(SECRET_KEY.encode(), bob.user["id"])
    async with running_bot(settings, store) as first:
        await alice.send("/start", wait=False)
        await bob.send("/start", wait=False)
        deadline = time.monotonic() + 5
        while not (store.stalled and bobs_key in store.sessions):
            assert time.monotonic() < deadline, "Bob was not answered while Alice's update hung"
            await asyncio.sleep(0.01)
        assert first.polling is not None
        first.polling.cancel()  # as kill -9 would: nothing after this point runs
    store.stall = False
    bobs_messages = len(bob.bot_messages())
    restart = len(api.calls)
    async with running_bot(settings, store):
        await api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == alice.chat["id"],
                           after=restart)
        await api.settle()
    assert len(bob.bot_messages()) == bobs_messages  # Bob's update was not handled again
    assert "Wat is uw rol?" in alice.last_bot_message()["text"]
    assert store.stall_key in store.sessions


async def test_updates_handled_but_not_yet_confirmed_are_not_answered_again(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """After a crash before Telegram heard the confirmation, the stored id skips what was done."""
    settings = bot_settings(api, tmp_path)
    store = SqliteStore(tmp_path / "wegwijzer.sqlite3", retention_seconds=3600)
    user = FakeUser(api)
    async with running_bot(settings, store):
        await user.start()
        await user.press("Burgemeester")
        await user.send("/wis")  # saves no session: its id is noted on its own
        await api.settle()
    api.redeliver()
    mark = len(api.calls)
    async with running_bot(settings, store):
        await api.settle()
        assert replies(api, after=mark) == []
        assert "Wat is uw rol?" in await user.start()
    assert len(api.calls_to("answerCallbackQuery")) == 1
