"""One chat's trouble is that chat's alone: a 429 or a block never holds up anyone else.

End to end through PTB, the polling loop and the conversation service against the fake Bot API.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bot.pseudonym import pseudonym
from bot.store import MemoryStore
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import SECRET_KEY, bot_settings, running_bot
from tests.log_events import LogEvents


def sends_to(api: FakeBotApi, chat_id: int, *, after: int = 0) -> list[int]:
    """Status of every sendMessage to this chat since call number `after`."""
    return [c.status for c in api.calls[after:]
            if c.method == "sendMessage" and c.chat_id == chat_id]


async def test_a_429_for_one_chat_does_not_delay_another_chats_reply(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Chat A hits flood control; chat B's answer follows within 100 ms, A's comes later, once."""
    async with running_bot(bot_settings(api, tmp_path)):
        alice, bob = FakeUser(api, 5550101), FakeUser(api, 5550102)
        api.fail_next("sendMessage", 429, retry_after=1)
        await alice.send("/start", wait=False)
        await bob.send("/start", wait=False)
        limited = await api.wait_for(lambda c: c.method == "sendMessage" and c.status == 429)
        answered = await api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                                      and c.chat_id == bob.chat["id"])
        assert answered.at - limited.at < 0.1
        late = await api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                                  and c.chat_id == alice.chat["id"], within=10)
        assert late.at - limited.at >= 1.0  # Telegram's wait was respected
        await api.settle()
        assert sends_to(api, alice.chat["id"]) == [429, 200]
        assert "Wat is uw rol?" in alice.last_bot_message()["text"]


async def test_a_user_who_blocked_the_bot_gives_one_info_line_and_no_more_sends(
    api: FakeBotApi, tmp_path: Path, log_events: LogEvents
) -> None:
    """403 "blocked": one INFO line, no ERROR, the session forgotten, nothing more sent there."""
    store = MemoryStore()
    async with running_bot(bot_settings(api, tmp_path), store):
        user = FakeUser(api)
        await user.start()
        await api.settle()  # the session is saved just after the reply
        key = pseudonym(SECRET_KEY.encode(), user.user["id"])
        assert key in store.sessions
        mark = len(api.calls)
        api.fail_next("sendMessage", 403, description="Forbidden: bot was blocked by the user")
        await user.send("ik word bedreigd", wait=False)
        await api.wait_for(lambda c: c.method == "sendMessage" and c.status == 403, after=mark)
        await api.settle()
        assert sends_to(api, user.chat["id"], after=mark) == [403]
        assert key not in store.sessions
    assert [event.level for event in log_events.named("chat_blocked")] == [logging.INFO]
    assert log_events.messages(at_least=logging.ERROR) == []


async def test_a_slow_reply_to_one_chat_does_not_delay_another_chats_reply(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Telegram takes 2 s for chat A's reply: chat B, who wrote just after A, is answered at once."""
    async with running_bot(bot_settings(api, tmp_path)):
        alice, bob = FakeUser(api, 5550211), FakeUser(api, 5550212)
        api.fail_next("sendMessage", None, delay=2.0)
        await alice.send("/start", wait=False)
        await bob.send("/start", wait=False)
        sent_at = time.monotonic()
        bobs = await api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                                  and c.chat_id == bob.chat["id"])
        assert bobs.at - sent_at < 0.25  # not after A's reply, nor after any patience with A
        alices = await api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                                    and c.chat_id == alice.chat["id"], within=10)
        assert alices.at - sent_at >= 1.9
        assert "Wat is uw rol?" in alice.bot_messages()[0]["text"]


async def test_a_slow_chat_does_not_hold_up_another_chat_and_keeps_its_own_order(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Telegram takes 2 s for chat A: chat B is answered meanwhile; A's replies come once, in order."""
    async with running_bot(bot_settings(api, tmp_path)):
        alice, bob = FakeUser(api, 5550201), FakeUser(api, 5550202)
        api.fail_next("sendMessage", None, delay=2.0)
        await alice.send("/start", wait=False)
        await bob.send("/start", wait=False)
        await alice.send("/help", wait=False)
        bobs = await api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                                  and c.chat_id == bob.chat["id"])
        alices = await api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                                    and c.chat_id == alice.chat["id"], within=10)
        assert bobs.at < alices.at - 1.0
        await api.wait_for(lambda c: c.method == "sendMessage" and c.ok
                           and c.chat_id == alice.chat["id"], after=api.calls.index(alices) + 1,
                           within=20)
        await api.settle()
        texts = [m["text"] for m in alice.bot_messages()]
        assert len(texts) == 2, alice.transcript()
        assert "Wat is uw rol?" in texts[0]
        assert sends_to(api, alice.chat["id"]) == [200, 200]
