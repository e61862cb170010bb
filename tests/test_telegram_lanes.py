"""Chat lanes: each chat in order, quick turns two at a time, a slow turn lets others pass."""

from __future__ import annotations

import asyncio

from bot.telegram.lanes import QUICK_AT_ONCE, ChatLanes


class Recorder:
    """Work handler that notes the order of work and how many turns ran at once."""

    def __init__(self, seconds: dict[str, float] | None = None) -> None:
        self.seconds = seconds or {}
        self.done: list[str] = []
        self.started: dict[str, float] = {}
        self.now = 0
        self.most = 0

    async def __call__(self, work: str) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        self.started[work] = asyncio.get_running_loop().time()
        try:
            await asyncio.sleep(self.seconds.get(work, 0.001))
        finally:
            self.now -= 1
        self.done.append(work)


async def finished(lanes: ChatLanes[str], within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        while lanes.busy:
            lanes.changed.clear()
            await lanes.changed.wait()


async def test_each_chat_is_handled_in_order_and_quick_turns_run_two_at_a_time() -> None:
    """Twenty chats of three quick updates each: every chat in its own order, two chats at once."""
    recorder = Recorder()
    lanes: ChatLanes[str] = ChatLanes(recorder, limit=8, slow_seconds=0.5)
    for step in range(3):
        for chat in range(20):
            lanes.add(chat, f"{chat}.{step}")
    await finished(lanes)
    assert len(recorder.done) == 60
    for chat in range(20):
        mine = [work for work in recorder.done if work.startswith(f"{chat}.")]
        assert mine == [f"{chat}.0", f"{chat}.1", f"{chat}.2"]
    assert recorder.most == QUICK_AT_ONCE == 2


async def test_a_slow_turn_lets_the_next_chat_start_beside_it() -> None:
    """Chats A and B take 1 s: chat C starts once they have been slow for 0.05 s, not after."""
    recorder = Recorder({"A": 1.0, "B": 1.0})
    lanes: ChatLanes[str] = ChatLanes(recorder, limit=8, slow_seconds=0.05)
    loop = asyncio.get_running_loop()
    began = loop.time()
    for chat in "abcd":
        lanes.add(chat, chat.upper())
    await finished(lanes)
    assert set(recorder.done[-2:]) == {"A", "B"}
    assert recorder.started["B"] - began < 0.05  # two at once from the start
    assert recorder.started["C"] - began < 0.5
    assert recorder.started["C"] - began >= 0.05


async def test_no_more_than_the_limit_run_at_once_however_slow() -> None:
    """Ten chats that are all slow: at most `limit` of them run at the same time."""
    recorder = Recorder({str(chat): 0.2 for chat in range(10)})
    lanes: ChatLanes[str] = ChatLanes(recorder, limit=3, slow_seconds=0.01)
    for chat in range(10):
        lanes.add(chat, str(chat))
    await finished(lanes)
    assert sorted(recorder.done) == sorted(str(chat) for chat in range(10))
    assert recorder.most == 3


async def test_cancel_stops_the_work_in_hand_and_the_waiting_lanes() -> None:
    """As a crash: what runs is cancelled, what waits never starts, and nothing is left busy."""
    recorder = Recorder({"A": 10.0, "B": 10.0, "C": 10.0})
    lanes: ChatLanes[str] = ChatLanes(recorder, limit=8, slow_seconds=10.0)
    for chat in "abc":
        lanes.add(chat, chat.upper())
    await asyncio.sleep(0.05)
    await lanes.cancel()
    assert recorder.done == []
    assert "C" not in recorder.started  # it waited for its turn, which never came
    assert not lanes.busy
    assert lanes.running == 0
