"""kill -9 of `wegwijzer run` at random moments while 200 users are mid-conversation, many times.

One SQLite file and one fake Bot API live across all rounds (as Telegram keeps its pending
updates); the bot process is started, killed with SIGKILL after a random 0.3-2.5 s, its database
checked with a separate sqlite3 connection, and started again. Users keep tapping buttons
throughout, each waiting for the reply to their last tap (up to --patience seconds; a tap that
never gets an answer is counted as lost and the user types /start).

Printed per round and in total:
  integrity   PRAGMA integrity_check on the file right after the kill (must be "ok" every time)
  sessions    rows, rows whose stored state does not read back or names a node the guide lacks
  twice       presses answered twice (answerCallbackQuery per query id) and replies nobody asked
              for (a reply beyond the updates offered: an update handled twice)
  lost        taps that were never answered (fetched by PTB, then the process died)
At the end one more start checks that every user's next tap is answered (sessions resumable).

    .venv/bin/python bench/faults/kill9.py [--rounds 20] [--users 200] [--bot wegwijzer]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bots import Bot
from harness import RESULTS, ROOT, FakeApi, choose_button, wait_reply

from bot.flow.loader import load_guide
from bot.flow.session import SessionState, StateError


def check_database(path: Path, nodes: set[str]) -> dict[str, Any]:
    db = sqlite3.connect(path, timeout=5)
    try:
        integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
        rows = db.execute("SELECT state, message_ids FROM sessions").fetchall()
    finally:
        db.close()
    unreadable = unknown = 0
    for state_json, ids_json in rows:
        try:
            state = SessionState.from_dict(json.loads(state_json))
            json.loads(ids_json)
        except (ValueError, StateError):
            unreadable += 1
            continue
        if state.node not in nodes:
            unknown += 1
    return {"integrity": integrity, "sessions": len(rows), "unreadable": unreadable,
            "unknown_node": unknown}


class Users:
    """Users who keep tapping until told to stop; counts what never got an answer."""

    def __init__(self, api: FakeApi, ids: list[int], patience: float, rng: random.Random) -> None:
        self.api, self.ids, self.patience, self.rng = api, ids, patience, rng
        self.running = True
        self.taps = 0
        self.lost = 0

    async def walk(self, user: int) -> None:
        chat = self.api.chat(user)
        while self.running:
            data = choose_button(chat.last_markup, self.rng)
            before = len(chat.replies)
            if data is None:
                self.api.send_text(user, "/start")
            else:
                self.api.press(user, data)
            self.taps += 1
            if not await wait_reply(chat, before + 1, self.patience):
                self.lost += 1
                chat.waiting.clear()  # that tap is given up on; the next reply belongs to a new one
                chat.last_markup = None  # start afresh, as a person would
            await asyncio.sleep(self.rng.uniform(0.05, 0.4))  # a person reads before tapping


async def run(args: argparse.Namespace) -> dict[str, Any]:
    guide = load_guide(ROOT / "flows").guide
    assert guide is not None
    nodes = set(guide.nodes)
    rng = random.Random(args.seed)
    # A redone update whose edit changes nothing is refused as Telegram refuses it; it is then
    # not counted as a reply nobody asked for.
    api = FakeApi(refuse_unchanged_edits=True)
    await api.start()
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="wegwijzer-kill9-") as tmp:
        workdir = Path(tmp)
        database = workdir / "wegwijzer.sqlite3"
        users = Users(api, list(range(20_000, 20_000 + args.users)), args.patience, rng)
        walkers = [asyncio.create_task(users.walk(user)) for user in users.ids]
        try:
            for number in range(1, args.rounds + 1):
                bot = Bot(args.bot, api, workdir)
                sent_before = api.sent_total
                bot.start()
                await asyncio.sleep(rng.uniform(0.3, 2.5) + 0.6)  # 0.6 s: start-up
                bot.kill()
                check = check_database(database, nodes)
                check.update(round=number, replies=api.sent_total - sent_before)
                rounds.append(check)
                print(f"round {number:>2}: integrity={','.join(check['integrity'])} "
                      f"sessions={check['sessions']} unreadable={check['unreadable']} "
                      f"unknown_node={check['unknown_node']} replies={check['replies']}", flush=True)
            # Last start: no kill. Every user's next tap must be answered.
            bot = Bot(args.bot, api, workdir)
            bot.start()
            await asyncio.sleep(args.patience + 1)
            users.running = False
            await asyncio.wait(walkers, timeout=args.patience + 5)
            lost_before_final = users.lost
            final = await final_round(api, users.ids, rng, args.patience * 6)
            await bot.stop()
            final_check = check_database(database, nodes)
        finally:
            users.running = False
            for task in walkers:
                task.cancel()
            with contextlib.suppress(Exception):
                await asyncio.gather(*walkers, return_exceptions=True)
            await api.stop()
    twice = sum(1 for n in api.answered_queries.values() if n > 1)
    unasked = sum(1 for chat in api.chats.values() for *_, kind in chat.replies if kind == "unasked")
    return {"rounds": rounds, "final": final, "final_database": final_check,
            "taps": users.taps, "lost_taps": lost_before_final,
            "presses_answered_twice": twice, "replies_nobody_asked_for": unasked,
            "integrity_ok_rounds": sum(1 for r in rounds if r["integrity"] == ["ok"]),
            "bad_sessions": sum(r["unreadable"] + r["unknown_node"] for r in rounds)}


async def final_round(api: FakeApi, ids: list[int], rng: random.Random,
                      patience: float) -> dict[str, int]:
    answered = 0
    for user in ids:
        api.chat(user).waiting.clear()

    async def tap(user: int) -> bool:
        chat = api.chat(user)
        data = choose_button(chat.last_markup, rng)
        before = len(chat.replies)
        if data is None:
            api.send_text(user, "/start")
        else:
            api.press(user, data)
        return await wait_reply(chat, before + 1, patience)

    results = await asyncio.gather(*(tap(user) for user in ids))
    answered = sum(1 for ok in results if ok)
    return {"users": len(ids), "answered": answered}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--patience", type=float, default=10.0)
    parser.add_argument("--bot", default="wegwijzer")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, default=RESULTS / "kill9.json")
    args = parser.parse_args()
    started = time.monotonic()
    result = asyncio.run(run(args))
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    print(f"\nrounds with integrity ok: {result['integrity_ok_rounds']}/{len(result['rounds'])}")
    print(f"sessions unreadable or on an unknown node: {result['bad_sessions']}")
    print(f"taps: {result['taps']}, never answered (lost in a kill): {result['lost_taps']}")
    print(f"presses answered twice: {result['presses_answered_twice']}, "
          f"replies nobody asked for: {result['replies_nobody_asked_for']}")
    print(f"after the last restart: {result['final']['answered']}/{result['final']['users']} "
          f"users' next tap answered; database {result['final_database']['integrity']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"written: {args.out}")
    ok = (result["integrity_ok_rounds"] == len(result["rounds"]) and result["bad_sessions"] == 0
          and result["final"]["answered"] == result["final"]["users"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
