"""Group commit: saves that arrive while one is being written go together in the next one.

Chats are answered side by side, so in a busy minute several saves wait for the one SQLite
connection at once. Each write is a trip to aiosqlite's worker thread and back, which costs more
CPU than the write itself; writing what queued up meanwhile as ONE statement (one transaction,
one trip) gives each waiting save the same promise at a fraction of the cost. A save still
returns only once its row is committed, so nothing is confirmed to Telegram or answered before
it is on disk. When a shared write fails, each of its rows is tried on its own, so one bad row
fails only its own save.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Row = TypeVar("Row")


class GroupCommit(Generic[Row]):
    """Funnels writes of rows through `write`, one at a time, batching those that queue up."""

    def __init__(self, write: Callable[[Sequence[Row]], Awaitable[None]]) -> None:
        self._write = write
        self._queued: list[tuple[Row, asyncio.Future[None]]] = []
        self._busy = False
        self._draining: asyncio.Task[None] | None = None

    async def save(self, row: Row) -> None:
        """Write `row`; return once it is committed (or raise why it is not)."""
        if self._busy:
            done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._queued.append((row, done))
            await done
            return
        self._busy = True  # the first save writes at once, in its own task: no hand-over
        try:
            await self._write((row,))
        finally:
            if self._queued:
                self._draining = asyncio.get_running_loop().create_task(self._drain())
            else:
                self._busy = False

    async def _drain(self) -> None:
        batch: list[tuple[Row, asyncio.Future[None]]] = []
        try:
            while self._queued:
                batch, self._queued = self._queued, []
                await self._write_batch(batch)
                batch = []
        finally:
            self._busy = False
            for _, done in [*batch, *self._queued]:  # cancelled (shutdown): nobody is left waiting
                if not done.done():
                    done.cancel()
            self._queued = []

    async def _write_batch(self, batch: list[tuple[Row, asyncio.Future[None]]]) -> None:
        try:
            await self._write([row for row, _ in batch])
        except Exception as error:
            if len(batch) == 1:
                _fail(batch[0][1], error)
                return
            for row, done in batch:  # one by one: only a bad row fails its own save
                try:
                    await self._write((row,))
                except Exception as own:
                    _fail(done, own)
                else:
                    _settle(done)
        else:
            for _, done in batch:
                _settle(done)

    async def flushed(self) -> None:
        """Wait until every queued save is written (before the connection is closed)."""
        if self._draining is not None and not self._draining.done():
            await asyncio.shield(self._draining)


def _settle(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


def _fail(done: asyncio.Future[None], error: Exception) -> None:
    if not done.done():
        done.set_exception(error)
