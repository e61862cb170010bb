"""No reply is lost in a Telegram outage: what could not be sent is held and sent on recovery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from bot.flow.session import Reply
from bot.outbox import HeldReply, Outbox
from tests.fakes.bot_api import REPLY_METHODS, FakeBotApi, FakeUser
from tests.fakes.running_bot import bot_settings, running_bot

ANSWERING = frozenset({"answerCallbackQuery", "editMessageText", "sendMessage"})
REPLYING = frozenset({"editMessageText", "sendMessage"})



async def failures(api: FakeBotApi, method: str, count: int, *, after: int) -> None:
    """Wait until `method` has failed `count` times since call number `after`."""
    for _ in range(count):
        call = await api.wait_for(lambda c: c.method == method and not c.ok, after=after)
        after = api.calls.index(call) + 1


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        await asyncio.sleep(0.02)


def replies_to(api: FakeBotApi, chat_id: int, *, after: int) -> list[str]:
    return [str(c.params["text"]) for c in api.calls[after:]
            if c.ok and c.method in REPLY_METHODS and c.chat_id == chat_id]


async def test_a_press_during_a_5xx_outage_is_answered_after_recovery(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Telegram answers 500 to the handler's one attempt; the answer still comes, once."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        await user.start()
        api.down, api.down_methods = "500", REPLYING
        mark = len(api.calls)
        await user.press("Burgemeester", wait=False)
        await failures(api, "editMessageText", 1, after=mark)  # the handler tries once
        api.down = None
        call = await api.wait_for(lambda c: c.ok and c.method in REPLY_METHODS, after=mark)
        assert "Waar gaat het over?" in call.params["text"]
        await api.settle()
        assert replies_to(api, user.chat["id"], after=mark) == [call.params["text"]]
        assert len(user.bot_messages()) == 1  # the pressed message was edited in place
        assert "Ik word bedreigd" in " ".join(user.labels(user.last_bot_message()))


async def test_replies_held_through_dropped_connections_arrive_in_order(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Two messages sent while every answer is cut off get their replies afterwards, in order."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        await user.start()
        api.down, api.down_methods = "drop", ANSWERING
        mark = len(api.calls)
        await user.send("ik word bedreigd", wait=False)
        await failures(api, "sendMessage", 1, after=mark)
        await user.send("/start", wait=False)
        await failures(api, "sendMessage", 4, after=mark)  # the second waits behind the first
        api.down = None
        await until(lambda: len(replies_to(api, user.chat["id"], after=mark)) >= 2, within=20)
        await api.settle()
        first, second = replies_to(api, user.chat["id"], after=mark)
        assert "070-3738314" in first
        assert "Wat is uw rol?" in second
        texts = [m["text"] for m in user.bot_messages()]
        assert texts[-2:] == [first, second]


async def test_an_erase_drops_what_was_held_for_that_chat(api: FakeBotApi, tmp_path: Path) -> None:
    """After "leave and erase" nothing held from before may reappear in the chat."""
    async with running_bot(bot_settings(api, tmp_path)) as running:
        user = FakeUser(api)
        await user.start()
        api.down, api.down_methods = "500", REPLYING
        mark = len(api.calls)
        await user.send("ik word bedreigd", wait=False)
        await failures(api, "sendMessage", 1, after=mark)
        await until(lambda: len(running.runtime.conversation.delivery.outbox) == 1)
        api.down = None
        await user.send("/wis")
        assert len(running.runtime.conversation.delivery.outbox) == 0
        await api.settle()
        assert not any("070-3738314" in text for text in replies_to(api, user.chat["id"],
                                                                     after=mark))


def test_the_outbox_is_bounded_per_chat_in_chats_and_in_age() -> None:
    """At most 10 replies per chat, 1,000 chats, 10 minutes: an outage cannot grow memory."""
    now = [0.0]
    outbox = Outbox(per_chat=3, chats=2, max_age=600.0, clock=lambda: now[0])

    def held(text: str) -> HeldReply:
        return HeldReply(Reply(text), "key", now[0])

    assert outbox.hold(1, [held(f"r{i}") for i in range(5)]) == 2
    assert [outbox.first(1).reply.text] == ["r2"]  # type: ignore[union-attr]
    outbox.hold(2, [held("b")])
    now[0] = 300.0
    assert outbox.hold(3, [held("c")]) == 3  # chat 1 waited longest and goes
    assert outbox.chats() == [2, 3]
    now[0] = 700.0
    assert outbox.expire() == 1
    assert outbox.chats() == [3]
    outbox.done(3)
    assert len(outbox) == 0
    assert not outbox.holds(3)
