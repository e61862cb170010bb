"""Telegram outage: 429 with retry_after, 500, hanging requests (time-outs) and dropped connections.

`wegwijzer run` talks to the fake Bot API while, one after another, each kind of fault hits every
method for --window seconds. Users keep tapping and typing through the outage (their updates wait
at "Telegram", as they would), and some messages are dated 20 minutes back, as a backlog after a
long outage would be. Printed per fault:

  requests/s   the bot's requests per second during the outage (mean and max): no hot loop
  alive        the bot process survived
  backlog      updates offered during the outage that were answered after it, within --drain s
  late         of the old (20-minute) messages, how many got the "sorry for the wait" preface

    .venv/bin/python bench/faults/outage.py [--window 8] [--users 20]
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
from harness import RESULTS, ROOT, FakeApi, Outage, choose_button, closed_loop, wait_reply

from bot.flow.loader import load_guide

KINDS = ("429", "500", "timeout", "drop")


async def one_fault(api: FakeApi, bot: Bot, kind: str, args: argparse.Namespace, users: list[int],
                    rng: random.Random, late_text: str) -> dict[str, Any]:
    await closed_loop(api, users, 2, rng)  # everyone has a live conversation
    for user in users:
        api.chat(user).waiting.clear()
    now = time.monotonic()
    api.outages = [Outage(kind, now, now + args.window, retry_after=args.retry_after)]
    second = int(now - api.started)
    targets: dict[int, int] = {}
    old_users = users[: len(users) // 4]
    # Updates arrive during the outage: taps and typed text, some of them 20 minutes old.
    for index, user in enumerate(users):
        chat = api.chat(user)
        chat.keep_texts = True
        targets[user] = len(chat.replies) + 1
        if user in old_users:
            api.send_text(user, "/menu", date=time.time() - 20 * 60)
        elif index % 2:
            api.send_text(user, "ik word bedreigd")
        else:
            data = choose_button(chat.last_markup, rng)
            api.press(user, data) if data else api.send_text(user, "/start")
    await asyncio.sleep(args.window)
    # Whole seconds inside the outage only (the first one still holds the warm-up's traffic).
    window = [api.per_second.get(s, 0) for s in range(second + 1, second + int(args.window))]
    recovered_at = time.monotonic()
    answered = await asyncio.gather(*(wait_reply(api.chat(u), targets[u], args.drain) for u in users))
    drained = time.monotonic() - recovered_at
    late = sum(1 for u in old_users
               if any(late_text[:30] in text for text in api.chat(u).reply_texts[-2:]))
    for user in users:
        api.chat(user).keep_texts = False
        api.chat(user).reply_texts.clear()
    return {"fault": kind, "window_s": args.window,
            "requests_per_s_mean": round(sum(window) / max(1, len(window)), 1),
            "requests_per_s_max": max(window) if window else 0,
            "alive": bot.alive(), "backlog": len(users),
            "backlog_answered": sum(1 for ok in answered if ok),
            "drain_s": round(drained, 1), "old_messages": len(old_users), "late_preface": late}


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    guide = load_guide(ROOT / "flows").guide
    assert guide is not None
    late_text = guide.message("late", "nl").strip() if "late" in guide.messages else "<no late message>"
    api = FakeApi()
    await api.start()
    rng = random.Random(5)
    users = list(range(30_000, 30_000 + args.users))
    results = []
    with tempfile.TemporaryDirectory(prefix="wegwijzer-outage-") as tmp:
        bot = Bot(args.bot, api, Path(tmp))
        api.send_text(users[0], "/start")
        bot.start()
        await wait_reply(api.chat(users[0]), 1, 30)
        try:
            for kind in args.faults:
                result = await one_fault(api, bot, kind, args, users, rng, late_text)
                results.append(result)
                print(json.dumps(result), flush=True)
                await asyncio.sleep(2)
        finally:
            await bot.stop()
            await api.stop()
        errors = {word: bot.log_lines(word) for word in ("Traceback", "telegram_error", "handler_error")}
    print(f"log lines: {errors}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=8.0)
    parser.add_argument("--retry-after", type=int, default=5)
    parser.add_argument("--drain", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--faults", type=lambda s: s.split(","), default=list(KINDS))
    parser.add_argument("--bot", default="wegwijzer")
    parser.add_argument("--out", type=Path, default=RESULTS / "outage.json")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    print(f"\n{'fault':<9}{'req/s mean':>11}{'req/s max':>10}{'alive':>7}{'backlog':>9}"
          f"{'answered':>9}{'drain s':>8}{'late':>7}")
    for r in results:
        print(f"{r['fault']:<9}{r['requests_per_s_mean']:>11}{r['requests_per_s_max']:>10}"
              f"{r['alive']!s:>7}{r['backlog']:>9}{r['backlog_answered']:>9}{r['drain_s']:>8}"
              f"{r['late_preface']:>4}/{r['old_messages']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"written: {args.out}")
    ok = all(r["alive"] and r["backlog_answered"] == r["backlog"] for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
