"""The conversation service alone: CPU per update without Telegram, PTB or HTTP.

Runs `bot.conversation.Conversation` in this process with a messenger that does nothing, on the
real SQLite store (a temp file) or the in-memory one, for a burst of new users each sending
/start and for the same users pressing a button. CPU is this process's user+system time (all
threads, so aiosqlite's worker and the fsyncs count). What is left of an end-to-end update's CPU
after this is PTB, HTTP and the polling loop, which the floor bot pays too.

    PYTHONPATH=. .venv/bin/python bench/service_bench.py [--users 2000] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bot.conversation import Conversation, Incoming
from bot.flood import FloodGuard, FloodLimits
from bot.flow.loader import load_guide
from bot.flow.session import Press, Reply, Start
from bot.reload import GuideHolder
from bot.sessions import Sessions
from bot.store import MemoryStore, SessionStore
from bot.store.database import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
SECRET = b"bench-secret-key-0123456789-abcdefghijklmnop"


class NullMessenger:
    def __init__(self) -> None:
        self.next_id = 0
        self.last: Reply | None = None

    async def send(self, chat_id: int, reply: Reply) -> int | None:
        self.next_id += 1
        self.last = reply
        return self.next_id

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        self.last = reply

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        return None

    async def answer(self, query_id: str) -> None:
        return None


def cpu() -> float:
    return time.process_time()


async def run(store: SessionStore, users: int, profile: bool) -> dict[str, float]:
    guide = load_guide(ROOT / "flows").guide
    assert guide is not None
    sessions = Sessions(store, retention_seconds=6 * 3600)
    await sessions.open()
    service = Conversation(GuideHolder(guide, files=1), sessions, SECRET,
                           flood=FloodGuard(FloodLimits(burst=1000)))
    messenger = NullMessenger()
    profiler = cProfile.Profile() if profile else None
    figures: dict[str, float] = {}
    base = 5_000_000
    started = cpu()
    if profiler:
        profiler.enable()
    for user in range(base, base + users):
        await service.handle(Incoming(user, user, Start(), "nl", message_id=1, update_id=user),
                             messenger)
    if profiler:
        profiler.disable()
    figures["start_ms_per_update"] = (cpu() - started) * 1000 / users
    first_option = next(b.action for row in (messenger.last.buttons if messenger.last else ())
                        for b in row if b.action.startswith("o:"))
    started = cpu()
    for user in range(base, base + users):
        await service.handle(Incoming(user, user, Press(first_option), "nl", pressed_id=1,
                                      query_id="q", update_id=user), messenger)
    figures["press_ms_per_update"] = (cpu() - started) * 1000 / users
    await sessions.close()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--profile", action="store_true", help="cProfile the /start burst (SQLite)")
    args = parser.parse_args()
    import logging

    from bot.logs import configure_logging

    configure_logging(level="INFO", log_format="json", secrets=[], stream=io.StringIO())
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = asyncio.run(run(SqliteStore(Path(tmp) / "bench.sqlite3", retention_seconds=6 * 3600),
                                 args.users, args.profile))
    memory = asyncio.run(run(MemoryStore(), args.users, False))
    for name, figures in (("sqlite", sqlite), ("memory", memory)):
        print(name, {k: round(v, 3) for k, v in figures.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
