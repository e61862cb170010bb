"""End-to-end benchmark: the real `wegwijzer run` process against the floor, side by side.

Each bot runs as its own process in polling mode against the fake Bot API in this process
(bench/harness.py, 127.0.0.1 only). Simulated users read the callback data from the bot's replies
and tap buttons, as a Telegram client would. For every bot, in one run:

  start-up   time from starting the process (a /start already queued) to its answer
  one user   300 steps, one user at a time (10 steps each), each after the previous reply
  200 users  200 users at once, 10 steps each, closed loop: throughput and latency
  burst      2,000 button presses (200 users x 10) queued at once: throughput
  sessions   (optional) 10,000 distinct users each start a session: peak RSS

CPU per update is the bot process's utime+stime (/proc/<pid>/stat) over a phase divided by the
updates in it. Bots: `floor` (bench/floor_bot.py: one message and a keyboard, no state),
`wegwijzer` (`wegwijzer run` as shipped) and `wegwijzer-uncapped` (the same `bot.telegram.app.main`
without the 30 messages/s overall cap of AIORateLimiter; see bench/unlimited_run.py).

    .venv/bin/python bench/e2e.py                 # all three, prints a table, writes JSON
    .venv/bin/python bench/e2e.py --quick         # smaller phases, for a smoke run
    .venv/bin/python bench/e2e.py --sessions 10000 --bots wegwijzer-uncapped,floor
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import (
    PYTHON,
    RESULTS,
    ROOT,
    SECRET_KEY,
    TOKEN,
    FakeApi,
    choose_button,
    closed_loop,
    cpu_seconds,
    memory_kib,
    summary_ms,
    wait_reply,
)

BOTS: dict[str, list[str]] = {
    "floor": [PYTHON, str(ROOT / "bench" / "floor_bot.py")],
    "floor-sized": [PYTHON, str(ROOT / "bench" / "floor_bot.py")],
    "floor-capped": [PYTHON, str(ROOT / "bench" / "floor_bot.py")],
    "wegwijzer": [str(ROOT / ".venv" / "bin" / "wegwijzer"), "run"],
    "wegwijzer-uncapped": [PYTHON, str(ROOT / "bench" / "unlimited_run.py")],
}
BOTS["wegwijzer-sync-normal"] = BOTS["wegwijzer-uncapped"]
BOTS["wegwijzer-batched-counts"] = BOTS["wegwijzer-uncapped"]
BOTS["wegwijzer-both"] = BOTS["wegwijzer-uncapped"]
BOT_ENV = {"floor-sized": {"FLOOR_TEXT_CHARS": "1100", "FLOOR_BUTTONS": "6"},
           "floor-capped": {"FLOOR_RATE_LIMIT": "1"},
           "wegwijzer-sync-normal": {"BENCH_SYNC_NORMAL": "1"},
           "wegwijzer-batched-counts": {"BENCH_BATCHED_COUNTS": "1"},
           "wegwijzer-both": {"BENCH_SYNC_NORMAL": "1", "BENCH_BATCHED_COUNTS": "1"}}
# Before/after in one run: `wegwijzer-before` is `wegwijzer-uncapped` from another checkout of the
# code (BENCH_BEFORE_TREE, e.g. a `git worktree` of an older commit sharing this .venv).
BEFORE_TREE = Path(os.environ.get("BENCH_BEFORE_TREE", ROOT))
BOTS["wegwijzer-before"] = [PYTHON, str(BEFORE_TREE / "bench" / "unlimited_run.py")]
PER_USER_STEPS = 10  # below the flood guard's burst of 12
# Profiling only (py-spy from PyPI in .venv; not a project dependency): the CPU figures of this
# entry are py-spy's, not the bot's. The collapsed stacks land in bench/results/.
BOTS["wegwijzer-profiled"] = [str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--rate", "400",
                              "--format", "raw", "--output", str(RESULTS / "wegwijzer.pyspy.txt"),
                              "--", PYTHON, str(ROOT / "bench" / "unlimited_run.py")]
TARGETS = {"cpu_ratio_max": 1.5, "updates_per_second_min": 300, "p95_one_user_ms_max": 20,
           "startup_s_max": 2.0, "rss_10k_mb_max": 120}


def bot_env(api: FakeApi, workdir: Path, extra: dict[str, str] | None = None,
            name: str = "") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("WEGWIJZER_", "TELEGRAM_", "WEBHOOK_", "LOG_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "WEGWIJZER_SECRET_KEY": SECRET_KEY,
        "WEGWIJZER_DATABASE": str(workdir / "wegwijzer.sqlite3"),
        "WEGWIJZER_FLOWS_DIR": os.environ.get("BENCH_FLOWS_DIR", str(ROOT / "flows")),
        "LOG_LEVEL": "INFO",  # production default: one line per handled update
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
    })
    if name == "wegwijzer-before":
        env["PYTHONPATH"] = str(BEFORE_TREE)
        env["WEGWIJZER_FLOWS_DIR"] = str(BEFORE_TREE / "flows")
    env.update(extra or {})
    return env


class Bot:
    """One bot process, its log file and its CPU clock."""

    def __init__(self, name: str, api: FakeApi, workdir: Path, extra_env: dict[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.command = command or BOTS[name]
        self.env = bot_env(api, workdir, extra_env, name)
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, env=self.env, cwd=self.workdir,
                                        stdout=log, stderr=log)
        log.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def stop(self, grace: float = 15.0) -> int | None:
        """SIGINT (run_polling stops cleanly on it), then SIGKILL after `grace` seconds."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(process.wait, grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        return process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def log_lines(self, word: str) -> int:
        if not self.log_path.exists():
            return 0
        return sum(1 for line in self.log_path.read_text(errors="replace").splitlines() if word in line)


def cpu_split(pid: int) -> dict[str, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {"user": int(fields[11]) / ticks, "system": int(fields[12]) / ticks}


def harness_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure_phase(bot: Bot, updates: int, work: Any) -> dict[str, Any]:
    cpu_before, own_before, started = bot.cpu(), harness_cpu(), time.monotonic()
    result = await work
    elapsed = time.monotonic() - started
    cpu = bot.cpu() - cpu_before
    own = harness_cpu() - own_before
    return {"result": result, "elapsed_s": round(elapsed, 3),
            "updates_per_s": round(updates / elapsed, 1) if elapsed else float("nan"),
            "bot_cpu_ms_per_update": round(cpu * 1000 / updates, 3),
            "harness_cpu_ms_per_update": round(own * 1000 / updates, 3)}


async def one_at_a_time(api: FakeApi, args: argparse.Namespace,
                        rng: random.Random) -> tuple[list[float], int]:
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


async def burst(api: FakeApi, users: list[int], per_user: int, rng: random.Random,
                within: float) -> dict[str, Any]:
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


async def run_bot(name: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    api = FakeApi()
    await api.start()
    rng = random.Random(args.seed)
    bot = Bot(name, api, workdir, BOT_ENV.get(name))
    report: dict[str, Any] = {"bot": name}
    try:
        # Start-up: a /start is waiting when the process starts.
        first = api.chat(1)
        started = time.monotonic()
        api.send_text(1, "/start")
        bot.start()
        ok = await wait_reply(first, 1, 30)
        report["startup_s"] = round(time.monotonic() - started, 3) if ok else None
        if not ok:
            report["error"] = f"no answer within 30 s; see {bot.log_path}"
            return report
        # Warm-up, not measured: imports, caches, the first SQLite pages.
        await closed_loop(api, [1], 8, rng)

        phase = await measure_phase(bot, args.one_user_steps, one_at_a_time(api, args, rng))
        latencies, missed = phase.pop("result")
        report["one_user"] = {**phase, **summary_ms(latencies), "missed": missed}

        users = list(range(1000, 1000 + args.users))
        steps = args.steps
        phase = await measure_phase(bot, len(users) * steps,
                                    closed_loop(api, users, steps, rng, within=args.timeout))
        latencies, missed = phase.pop("result")
        report["closed_loop"] = {**phase, **summary_ms(latencies), "missed": missed}

        phase = await measure_phase(bot, len(users) * steps,
                                    burst(api, users, steps, rng, args.timeout))
        result = phase.pop("result")
        report["burst"] = {**phase, **result}

        # 2,000 new users, each sending /start at once: every one a session that is not yet kept.
        starters = list(range(5_000_000, 5_000_000 + args.start_burst))
        phase = await measure_phase(bot, len(starters),
                                    start_burst(api, starters, args.timeout))
        result = phase.pop("result")
        report["start_burst"] = {**phase, **result}

        if args.sessions and name != "wegwijzer":
            report["sessions"] = await fill_sessions(api, bot, args.sessions)
        report["memory_kib"] = memory_kib(bot.pid)
        report["api_calls"] = dict(api.calls)
        report["cpu_user_system_s"] = cpu_split(bot.pid)
        presses = list(api.answered_queries.values())
        report["callback_answers"] = {"answered": len(presses),
                                      "answered_twice": sum(1 for n in presses if n > 1)}
    finally:
        report["exit_code"] = await bot.stop()
        await api.stop()
        report["log_errors"] = {word: bot.log_lines(word) for word in
                                ("storage_error", "handler_error", "telegram_error", "Traceback")}
    return report


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


def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import telegram

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "ptb": telegram.__version__, "kernel": platform.release()}


def ratios(reports: dict[str, dict[str, Any]], name: str, floor_name: str) -> dict[str, float]:
    floor, ours = reports.get(floor_name), reports.get(name)
    if not floor or not ours or "burst" not in floor or "burst" not in ours:
        return {}
    out = {}
    for phase in ("one_user", "closed_loop", "burst", "start_burst"):
        if phase not in floor or phase not in ours:
            continue
        out[f"cpu_per_update_{phase}"] = round(
            ours[phase]["bot_cpu_ms_per_update"] / floor[phase]["bot_cpu_ms_per_update"], 2)
        out[f"throughput_{phase}"] = round(
            ours[phase]["updates_per_s"] / floor[phase]["updates_per_s"], 2)
    out["p95_one_user"] = round(ours["one_user"]["p95_ms"] / floor["one_user"]["p95_ms"], 2)
    return out


def print_table(reports: dict[str, dict[str, Any]]) -> None:
    rows = [("start-up s", lambda r: r.get("startup_s")),
            ("1 user: median ms", lambda r: r["one_user"]["median_ms"]),
            ("1 user: p95 ms", lambda r: r["one_user"]["p95_ms"]),
            ("1 user: CPU ms/update", lambda r: r["one_user"]["bot_cpu_ms_per_update"]),
            ("200 users: updates/s", lambda r: r["closed_loop"]["updates_per_s"]),
            ("200 users: median ms", lambda r: r["closed_loop"]["median_ms"]),
            ("200 users: p95 ms", lambda r: r["closed_loop"]["p95_ms"]),
            ("200 users: CPU ms/update", lambda r: r["closed_loop"]["bot_cpu_ms_per_update"]),
            ("burst 2,000: updates/s", lambda r: r["burst"]["updates_per_s"]),
            ("burst 2,000: CPU ms/update", lambda r: r["burst"]["bot_cpu_ms_per_update"]),
            ("/start burst: updates/s", lambda r: r["start_burst"]["updates_per_s"]),
            ("/start burst: CPU ms/update", lambda r: r["start_burst"]["bot_cpu_ms_per_update"]),
            ("burst: harness CPU ms/update", lambda r: r["burst"]["harness_cpu_ms_per_update"]),
            ("RSS MB now / peak", lambda r: f"{r['memory_kib']['VmRSS'] // 1024} / "
                                           f"{r['memory_kib']['VmHWM'] // 1024}"),
            ("10k sessions: peak RSS MB", lambda r: r.get("sessions", {}).get("peak_rss_mb", "-")),
            ("presses answered twice", lambda r: r["callback_answers"]["answered_twice"]),
            ("log: handler/storage errors", lambda r: f"{r['log_errors']['handler_error']}/"
                                                     f"{r['log_errors']['storage_error']}")]
    names = list(reports)
    width = 30
    print("".ljust(width) + "".join(name.rjust(20) for name in names))
    for label, get in rows:
        cells = []
        for name in names:
            try:
                cells.append(str(get(reports[name])))
            except (KeyError, TypeError):
                cells.append("-")
        print(label.ljust(width) + "".join(cell.rjust(20) for cell in cells))
    for name, floor_name in comparisons(reports):
        print(f"\n{name} / {floor_name}:")
        for key, value in ratios(reports, name, floor_name).items():
            print(f"  {key:<32}{value:>8}")


def comparisons(reports: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    floors = [name for name in reports if name.startswith("floor")]
    ours = [name for name in reports if name.startswith("wegwijzer")]
    return [(name, floor) for name in ours for floor in floors if ratios(reports, name, floor)]


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    reports: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="wegwijzer-bench-") as tmp:
        for name in args.bots:
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"... {name}", file=sys.stderr, flush=True)
            reports[name] = await run_bot(name, args, workdir)
    result = {"machine": machine(), "args": {k: v for k, v in vars(args).items()},
              "bots": reports, "ratios": {f"{n} / {f}": ratios(reports, n, f) for n, f in comparisons(reports)},
              "targets": TARGETS, "when": time.strftime("%Y-%m-%dT%H:%M:%S")}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=lambda s: s.split(","),
                        default=["floor", "floor-sized", "floor-capped", "wegwijzer-uncapped", "wegwijzer"])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--one-user-steps", type=int, default=300)
    parser.add_argument("--sessions", type=int, default=0)
    parser.add_argument("--start-burst", type=int, default=2000,
                        help="new users who each send /start at once (the /start burst)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a one-at-a-time user waits before the next tap; 0.05 keeps the "
                             "shipped bot under its 30 messages/s cap")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="50 users x 4 steps, 100 one-user steps")
    parser.add_argument("--out", type=Path, default=RESULTS / "e2e.json")
    args = parser.parse_args()
    if args.quick:
        args.users, args.steps, args.one_user_steps, args.start_burst = 50, 4, 100, 200
    result = asyncio.run(main_async(args))
    print_table(result["bots"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
