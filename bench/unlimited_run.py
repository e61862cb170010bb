"""`wegwijzer run` with the overall 30-messages-per-second cap of AIORateLimiter lifted.

As shipped, bot.telegram.app gives PTB an `AIORateLimiter` that lets at most 30 chat-bound requests
(sendMessage, editMessageText, deleteMessages) per second through — Telegram's own broadcast
limit — so end-to-end throughput can never exceed 30 replies per second, whatever the CPU can do.
This wrapper runs exactly the same `bot.telegram.app.main` with that one default changed to "no overall
cap" (retries on 429 are kept), to measure what the code itself costs and can carry.

Two experiments, off unless asked for, to size proposed store changes before anyone makes them:
  BENCH_SYNC_NORMAL=1     the store's connection uses synchronous=NORMAL instead of FULL
  BENCH_BATCHED_COUNTS=1  the weekly tallies are added up in memory and written once a second
                          (one transaction) instead of one transaction per update
  BENCH_MEMORY_STORE=1    the in-memory store instead of SQLite: what the store costs end to end
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import telegram.ext
from telegram.ext import AIORateLimiter


class UncappedRateLimiter(AIORateLimiter):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("overall_max_rate", 0)
        super().__init__(**kwargs)


telegram.ext.AIORateLimiter = UncappedRateLimiter  # type: ignore[misc]


def experiments() -> None:
    from bot.flow.session import Tally
    from bot.store.database import SqliteStore

    if os.environ.get("BENCH_NO_GC") == "1":  # an upper bound of what the cyclic GC costs
        import gc

        gc.disable()

    if os.environ.get("BENCH_NO_WRITE") == "1":  # SQLite everywhere but the save statement
        from bot.store.writer import LoopWriter

        LoopWriter.write = lambda self, statement, parameters: False  # type: ignore[method-assign]

    if os.environ.get("BENCH_IDLE_THREAD") == "1":  # the in-memory store plus an idle aiosqlite thread
        import tempfile

        import aiosqlite

        import bot.telegram.app
        from bot.store.memory import MemoryStore

        class MemoryStoreWithIdleThread(MemoryStore):
            async def open(self) -> None:
                folder = tempfile.mkdtemp(prefix="wegwijzer-idle-")
                self.idle = await aiosqlite.connect(os.path.join(folder, "idle.sqlite3"))  # noqa: PTH118

        bot.telegram.app.open_store = lambda settings: MemoryStoreWithIdleThread()  # type: ignore[assignment]

    if os.environ.get("BENCH_MEMORY_STORE") == "1":
        import bot.telegram.app
        from bot.store.memory import MemoryStore

        bot.telegram.app.open_store = lambda settings: MemoryStore()  # type: ignore[assignment]

    if os.environ.get("BENCH_SYNC_NORMAL") == "1":
        configure = SqliteStore._configure

        async def configure_normal(self: SqliteStore, db: Any) -> None:
            await configure(self, db)
            await db.execute("PRAGMA synchronous = NORMAL")

        SqliteStore._configure = configure_normal  # type: ignore[method-assign]

    if os.environ.get("BENCH_BATCHED_COUNTS") == "1":
        write_counts = SqliteStore.count
        pending: Counter[tuple[datetime, Tally]] = Counter()
        flusher: list[asyncio.Task[None]] = []

        async def flush_forever(store: SqliteStore) -> None:
            while True:
                await asyncio.sleep(1.0)
                if not pending:
                    continue
                batch = list(pending.elements())
                pending.clear()
                by_week: dict[datetime, list[Tally]] = {}
                for when, tally in batch:
                    by_week.setdefault(when, []).append(tally)
                for when, tallies in by_week.items():
                    await write_counts(store, tallies, when)

        async def count_later(self: SqliteStore, tallies: Iterable[Tally], when: datetime) -> None:
            monday = when.replace(hour=0, minute=0, second=0, microsecond=0)
            for tally in tallies:
                pending[(monday, tally)] += 1
            if not flusher:
                flusher.append(asyncio.get_running_loop().create_task(flush_forever(self)))

        SqliteStore.count = count_later  # type: ignore[method-assign]


if __name__ == "__main__":
    experiments()
    from bot.telegram.app import main

    sys.exit(main())
