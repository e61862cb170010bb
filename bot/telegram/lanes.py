"""Chats side by side, each chat in order: one chat's slow reply never holds up another's.

Every chat gets a lane: its updates are handled one after another, in the order Telegram sent
them, so a user's second tap never overtakes the first. Lanes of different chats run at the same
time, at most `limit` at once (each holds an HTTP connection while it talks to Telegram). A lane
ends when its chat has nothing waiting, so an idle chat costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

Work = TypeVar("Work")

CHATS_AT_ONCE = 8  # lanes talking to Telegram at the same time


class ChatLanes(Generic[Work]):
    """Per-chat ordered queues of work, run side by side by `handle`."""

    def __init__(self, handle: Callable[[Work], Awaitable[None]], *,
                 limit: int = CHATS_AT_ONCE) -> None:
        self._handle = handle
        self._slots = asyncio.Semaphore(limit)
        self._limit = limit
        self._queues: dict[Hashable, deque[Work]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._running = 0  # lanes holding a slot
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
        try:
            while queue and not self._closing:
                async with self._slots:
                    self._running += 1
                    try:
                        await self._handle(queue[0])
                    finally:
                        self._running -= 1
                queue.popleft()
                self.changed.set()
        finally:
            del self._queues[chat]

    def spare(self) -> bool:
        """A slot stands idle: fewer than `limit` lanes run and none waits for a slot."""
        return self._running < self._limit and len(self._queues) == self._running

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
