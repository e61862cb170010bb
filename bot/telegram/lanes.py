"""Chats side by side, each chat in order: one chat's slow reply never holds up another's.

Every chat gets a lane: its updates are handled one after another, in the order Telegram sent
them, so a user's second tap never overtakes the first. Lanes take turns, `QUICK_AT_ONCE` at a
time while every turn is quick (two: while one chat waits for Telegram's answer, the next one's
work runs, which made a /start burst 7 % faster in `bench/paired.py` at the same CPU per update);
a turn that takes longer than `SLOW_SECONDS` (a 429's wait, a slow connection to Telegram) lets
the next lane start beside it, up to `limit` at once. Running lanes side by side all the time
would cost CPU for nothing: each one holds its own HTTP connection, and httpx's pool looks at
every connection on every request, which made a burst of presses a third dearer. A lane ends
when its chat has nothing waiting, so an idle chat costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

Work = TypeVar("Work")

CHATS_AT_ONCE = 8  # lanes talking to Telegram at the same time, at most
QUICK_AT_ONCE = 2  # lanes side by side while every turn is quick
SLOW_SECONDS = 0.05  # a turn this long lets one more lane start beside it


class _Turn:
    """One piece of work being handled; `slow` once it has run past `SLOW_SECONDS`."""

    __slots__ = ("slow",)

    def __init__(self) -> None:
        self.slow = False


class ChatLanes(Generic[Work]):
    """Per-chat ordered queues of work, run by `handle`: `quick` at once, more while turns are slow."""

    def __init__(self, handle: Callable[[Work], Awaitable[None]], *,
                 limit: int = CHATS_AT_ONCE, slow_seconds: float = SLOW_SECONDS,
                 quick: int = QUICK_AT_ONCE) -> None:
        self._handle = handle
        self._limit = limit
        self._quick = max(1, quick)
        self._slow_seconds = slow_seconds
        self._queues: dict[Hashable, deque[Work]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting: deque[asyncio.Future[None]] = deque()  # lanes waiting for their turn
        self._running = 0  # turns under way
        self._slow = 0  # of which slow
        self._closing = False
        self.changed = asyncio.Event()  # set whenever a piece of work is done

    def add(self, chat: Hashable, work: Work) -> None:
        """Queue `work` behind the chat's earlier work; start the chat's lane if it has none."""
        queue = self._queues.get(chat)
        if queue is not None:
            queue.append(work)
            return
        self._queues[chat] = deque((work,))
        task = asyncio.get_running_loop().create_task(self._lane(chat))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _lane(self, chat: Hashable) -> None:
        queue = self._queues[chat]
        loop = asyncio.get_running_loop()
        try:
            while queue and not self._closing:
                await self._take_turn(loop)
                turn = _Turn()
                timer = loop.call_later(self._slow_seconds, self._went_slow, turn)
                try:
                    await self._handle(queue[0])
                finally:
                    timer.cancel()
                    self._end_turn(turn)
                queue.popleft()
                self.changed.set()
        finally:
            del self._queues[chat]

    def _allowed(self) -> int:
        return min(self._limit, self._quick + self._slow)

    async def _take_turn(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._waiting and self._running < self._allowed():
            self._running += 1
            return
        ready = loop.create_future()
        self._waiting.append(ready)
        try:
            await ready  # `_admit` counts this turn as running before it wakes us
        except asyncio.CancelledError:
            if ready.done() and not ready.cancelled():
                self._running -= 1  # admitted and cancelled in the same moment: give it back
                self._admit()
            else:
                with contextlib.suppress(ValueError):
                    self._waiting.remove(ready)
            raise

    def _end_turn(self, turn: _Turn) -> None:
        self._running -= 1
        if turn.slow:
            self._slow -= 1
        self._admit()

    def _went_slow(self, turn: _Turn) -> None:
        turn.slow = True
        self._slow += 1
        self._admit()

    def _admit(self) -> None:
        """Wake waiting lanes, oldest first, while the number of turns allowed has room."""
        while self._waiting and self._running < self._allowed():
            ready = self._waiting.popleft()
            if ready.done():  # its lane was cancelled meanwhile
                continue
            self._running += 1
            ready.set_result(None)

    def spare(self) -> bool:
        """A turn could start now: fewer than `limit` run and no lane waits for its turn."""
        return self._running < self._limit and not self._waiting

    @property
    def running(self) -> int:
        """Turns under way now."""
        return self._running

    @property
    def busy(self) -> bool:
        return bool(self._queues)

    async def drain(self, within: float) -> None:
        """Finish the work in hand (for at most `within` seconds) and start no more."""
        self._closing = True
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=within)
            await self.cancel(pending)

    async def cancel(self, tasks: set[asyncio.Task[None]] | None = None) -> None:
        """Stop every lane now, mid-work (as a crash would)."""
        self._closing = True
        tasks = set(self._tasks) if tasks is None else tasks
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
