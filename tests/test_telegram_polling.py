"""Polling confirms an update only once handled: a crash loses none and answers none twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bot.store import MemoryStore, StoredSession
from bot.store.database import SqliteStore
from tests.fakes.bot_api import REPLY_METHODS, FakeBotApi, FakeUser
from tests.fakes.running_bot import bot_settings, running_bot


class StallingStore(MemoryStore):
    """Holds every session write while `stall` is set, so the bot can be killed mid-update."""

    stall = False
    stalled = 0

    async def save(self, key: str, session: StoredSession, **extra: Any) -> None:
        if self.stall:
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
