"""Session store throughput: SqliteStore reads and writes per second, and the cost per update.

Per handled update the adapter does at most one `load` (none when the session was written by the
previous step) and one `save` that carries the weekly tallies in the same transaction; this
measures each alone and load plus save together, on a fresh database file, through the same
aiosqlite connection the bot uses (WAL, synchronous=NORMAL, secure_delete=ON).

    .venv/bin/python bench/store_bench.py [--sessions 2000] [--ops 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness import RESULTS

from bot.flow.session import SessionState, Tally
from bot.pseudonym import pseudonym
from bot.store import MemoryStore, SessionStore, StoredSession
from bot.store.database import SqliteStore

SECRET = b"bench-secret-key-0123456789-abcdefghijklmnop"


def session(node: str, now: float) -> StoredSession:
    state = SessionState(node=node, back=("start", "menu", "dreiging"), language="nl",
                         variables=(("rol", "wethouder"),), flow_version="fe7a429afcc1")
    return StoredSession(state=state, message_ids=tuple(range(1, 12)), log_id="3dfbd584",
                         updated_at=now)


async def timed(ops: int, work: Any) -> dict[str, float]:
    started = time.perf_counter()
    await work
    elapsed = time.perf_counter() - started
    return {"ops": ops, "seconds": round(elapsed, 3), "per_second": round(ops / elapsed),
            "us_per_op": round(elapsed / ops * 1e6, 1)}


async def bench(store: SessionStore, keys: list[str], ops: int, rng: random.Random) -> dict[str, Any]:
    now = time.time()
    when = datetime.now(UTC)
    tallies = (Tally("node", "dreiging"), Tally("contact", "ondersteuningsteam"),
               Tally("outcome", "completed"))

    async def saves() -> None:
        for i in range(ops):
            await store.save(keys[i % len(keys)], session("dreiging", now))

    async def loads() -> None:
        for _ in range(ops):
            await store.load(rng.choice(keys), now)

    async def counts() -> None:
        for _ in range(ops):
            await store.count(tallies, when)

    async def updates() -> None:
        for _ in range(ops):
            key = rng.choice(keys)
            await store.load(key, now)
            await store.save(key, session("aangifte", now), tallies=tallies, when=when)

    await store.open()
    try:
        result = {"save": await timed(ops, saves()), "load": await timed(ops, loads()),
                  "count": await timed(ops, counts()),
                  "load+save with counts (one update)": await timed(ops, updates())}
    finally:
        await store.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--ops", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=RESULTS / "store.json")
    args = parser.parse_args()
    keys = [pseudonym(SECRET, 5_000_000 + i) for i in range(args.sessions)]
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wegwijzer-store-") as tmp:
        sqlite = SqliteStore(Path(tmp) / "bench.sqlite3", retention_seconds=6 * 3600)
        results["SqliteStore"] = asyncio.run(bench(sqlite, keys, args.ops, random.Random(1)))
    results["MemoryStore"] = asyncio.run(bench(MemoryStore(), keys, args.ops, random.Random(1)))
    print(f"{'operation':<30}{'store':>14}{'ops/s':>10}{'us/op':>10}")
    for store, rows in results.items():
        for operation, row in rows.items():
            print(f"{operation:<30}{store:>14}{row['per_second']:>10}{row['us_per_op']:>10}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
