"""The measured phases of bench/e2e.py: what the simulated users do, and the clock around it.

  one_user     users one after another, 10 steps each, never two updates in flight
  closed_loop  200 users at once, 10 steps each, each step after the previous reply
  burst        2,000 button presses (200 users x 10) queued at once
  start_burst  2,000 new users each send /start at once

CPU per update is the bot process's utime+stime (/proc/<pid>/stat) over a phase divided by the
updates in it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import time
from collections.abc import Awaitable
from typing import Any

from bots import Bot
from harness import FakeApi, choose_button, closed_loop, memory_kib, summary_ms, wait_reply

PHASES = ("one_user", "closed_loop", "burst", "start_burst")
PER_USER_STEPS = 10  # below the flood guard's burst of 12


def harness_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure_phase(bot: Bot, updates: int, work: Awaitable[Any]) -> dict[str, Any]:
    cpu_before, own_before, started = bot.cpu(), harness_cpu(), time.monotonic()
    result = await work
    elapsed = time.monotonic() - started
    cpu = bot.cpu() - cpu_before
    own = harness_cpu() - own_before
    return {"result": result, "elapsed_s": round(elapsed, 3),
            "updates_per_s": round(updates / elapsed, 1) if elapsed else float("nan"),
            "bot_cpu_ms_per_update": round(cpu * 1000 / updates, 3),
            "harness_cpu_ms_per_update": round(own * 1000 / updates, 3)}


async def one_at_a_time(api: FakeApi, args: argparse.Namespace, rng: random.Random) -> tuple[list[float], int]:
    """Users one after another, each taking ten steps; never two updates in flight.

    Ten steps, not hundreds: the flood guard (12 at once, then 1 a second) rightly slows a
    single user who taps hundreds of times a second, which no person does.
    """
    latencies: list[float] = []
    missed = 0
    remaining = args.one_user_steps
    user = 100
    while remaining > 0:
        steps = min(PER_USER_STEPS, remaining)
        got, lost = await closed_loop(api, [user], steps, rng, think=args.think)
        latencies += got
        missed += lost
        remaining -= steps
        user += 1
    return latencies, missed


async def burst(api: FakeApi, users: list[int], per_user: int, rng: random.Random, within: float) -> dict[str, Any]:
    """Queue `per_user` presses for every user at once (buttons of their last message)."""
    targets = {}
    for user in users:
        chat = api.chat(user)
        targets[user] = len(chat.replies) + per_user
    for _ in range(per_user):
        for user in users:
            data = choose_button(api.chat(user).last_markup, rng)
            if data is None:
                api.send_text(user, "/start")
            else:
                api.press(user, data)
    done = await asyncio.gather(*(wait_reply(api.chat(u), targets[u], within) for u in users))
    latencies = [answered - offered for u in users
                 for offered, answered, _ in api.chat(u).replies[targets[u] - per_user:targets[u]]]
    return {"missed_users": sum(1 for ok in done if not ok), "latency": summary_ms(latencies)}


async def start_burst(api: FakeApi, users: list[int], within: float) -> dict[str, Any]:
    """Queue one /start for each of `users` (new users: no session yet) at once."""
    for user in users:
        api.send_text(user, "/start")
    done = await asyncio.gather(*(wait_reply(api.chat(u), 1, within) for u in users))
    latencies = [answered - offered for u in users for offered, answered, _ in api.chat(u).replies[:1]]
    return {"missed_users": sum(1 for ok in done if not ok), "latency": summary_ms(latencies)}


async def fill_sessions(api: FakeApi, bot: Bot, count: int, batch: int = 2000) -> dict[str, Any]:
    """`count` distinct users each send /start (a live session each), in bursts of `batch`."""
    base = 10_000_000
    started = time.monotonic()
    for first in range(0, count, batch):
        users = list(range(base + first, base + min(count, first + batch)))
        for user in users:
            api.send_text(user, "/start")
        await asyncio.gather(*(wait_reply(api.chat(u), 1, 120) for u in users))
    answered = sum(1 for u in range(base, base + count) if api.chat(u).replies)
    memory = memory_kib(bot.pid)
    return {"users": count, "answered": answered, "elapsed_s": round(time.monotonic() - started, 1),
            "rss_mb": round(memory["VmRSS"] / 1024, 1), "peak_rss_mb": round(memory["VmHWM"] / 1024, 1)}
