"""Flood: one user sends 10,000 updates in a minute while 50 others use the guide.

`wegwijzer run` against the fake Bot API. First 50 users use the guide at a human pace for
--baseline seconds (normal latency); then the same while one user sends --flood updates spread over
--seconds (taps and texts, /start spam), and every 10 s types "112" (an emergency word).

  others p95      latency of the 50 normal users, normal vs during the flood (target: within 2x)
  flooder         updates sent, replies received (throttled: a few replies and a slow-down notice)
  emergency       latency of the 112 answers to the flooder during the flood
  memory          bot RSS before and after the flood

    .venv/bin/python bench/faults/flood.py [--flood 10000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bots import Bot
from harness import RESULTS, ROOT, FakeApi, memory_kib, step, summary_ms, wait_reply

from bot.flow.loader import load_guide

FLOODER = 99_000_001


async def normal_users(api: FakeApi, users: list[int], seconds: float,
                       rng: random.Random) -> list[float]:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def person(user: int) -> None:
        steps = 0
        while time.monotonic() < deadline:
            latency = await step(api, user, rng, within=30)
            if latency is not None:
                latencies.append(latency)
            steps += 1
            # People read before they tap; and after ten taps they start over.
            await asyncio.sleep(rng.uniform(1.0, 3.0))
            if steps % 10 == 0:
                api.chat(user).last_markup = None

    await asyncio.gather(*(person(user) for user in users))
    return latencies


async def flooder(api: FakeApi, count: int, seconds: float, emergency_every: float,
                  rng: random.Random) -> dict[str, Any]:
    chat = api.chat(FLOODER)
    chat.keep_texts = True
    started = time.monotonic()
    emergencies: list[float] = []
    next_emergency = started + emergency_every / 2
    per_tick = max(1, count // int(seconds * 20))
    sent = 0
    while sent < count and time.monotonic() - started < seconds + 5:
        for _ in range(per_tick):
            choice = rng.random()
            if choice < 0.4:
                api.press(FLOODER, rng.choice(["g:home", "g:back", "o:start:0:dead", "g:help"]))
            elif choice < 0.7:
                api.send_text(FLOODER, "/start")
            else:
                api.send_text(FLOODER, rng.choice(["hallo", "spam " * 20, "🚀" * 50]))
            sent += 1
        if time.monotonic() >= next_emergency:
            next_emergency += emergency_every
            emergencies.append(await emergency(api, chat))
        await asyncio.sleep(0.05)
    return {"sent": sent, "seconds": round(time.monotonic() - started, 1), "emergencies": emergencies}


async def emergency(api: FakeApi, chat: Any) -> float:
    """Type 112 and wait for an answer that names 112; its latency (inf when none came)."""
    offered = time.monotonic()
    mark = len(chat.reply_texts)
    api.send_text(FLOODER, "112")
    deadline = offered + 15
    while time.monotonic() < deadline:
        if any("112" in text for text in chat.reply_texts[mark:]):
            return time.monotonic() - offered
        await wait_reply(chat, len(chat.replies) + 1, 0.5)
    return float("inf")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    api = FakeApi()
    await api.start()
    rng = random.Random(9)
    users = list(range(40_000, 40_000 + args.users))
    with tempfile.TemporaryDirectory(prefix="wegwijzer-flood-") as tmp:
        bot = Bot(args.bot, api, Path(tmp))
        api.send_text(users[0], "/start")
        bot.start()
        await wait_reply(api.chat(users[0]), 1, 30)
        try:
            normal = await normal_users(api, users, args.baseline, rng)
            memory_before = memory_kib(bot.pid)
            cpu_before = bot.cpu()
            flood_task = asyncio.create_task(
                flooder(api, args.flood, args.seconds, args.emergency_every, rng))
            during = await normal_users(api, users, args.seconds, rng)
            flood = await flood_task
            await asyncio.sleep(3)
            cpu = bot.cpu() - cpu_before
            memory_after = memory_kib(bot.pid)
            alive = bot.alive()
        finally:
            await bot.stop()
            await api.stop()
    flooder_chat = api.chat(FLOODER)
    guide = load_guide(ROOT / "flows").guide
    slow_down = guide.message("slow_down", "nl").strip() if guide is not None else "?"
    before, under = summary_ms(normal), summary_ms(during)
    return {
        "others_normal": before, "others_during_flood": under,
        "p95_ratio": round(under["p95_ms"] / before["p95_ms"], 2) if before["p95_ms"] else None,
        "flooder_sent": flood["sent"], "flooder_seconds": flood["seconds"],
        "flooder_replies": len(flooder_chat.replies),
        "flooder_slow_down_notices": sum(1 for t in flooder_chat.reply_texts if slow_down[:25] in t),
        "emergency_latency_ms": [round(x * 1000, 1) for x in flood["emergencies"]],
        "bot_cpu_s_during_flood": round(cpu, 2),
        "rss_mb_before": round(memory_before["VmRSS"] / 1024, 1),
        "rss_mb_after": round(memory_after["VmRSS"] / 1024, 1), "alive": alive,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--flood", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline", type=float, default=20.0)
    parser.add_argument("--emergency-every", type=float, default=10.0)
    parser.add_argument("--bot", default="wegwijzer")
    parser.add_argument("--out", type=Path, default=RESULTS / "flood.json")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    for key, value in result.items():
        print(f"{key:<28}{value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"written: {args.out}")
    ok = (result["alive"] and (result["p95_ratio"] or 99) <= 2.0
          and all(x < 1000 for x in result["emergency_latency_ms"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
