"""End-to-end benchmark: the real `wegwijzer run` process against the floor, side by side.

Each bot runs as its own process in polling mode against the fake Bot API in this process
(bench/harness.py, 127.0.0.1 only). Simulated users read the callback data from the bot's replies
and tap buttons, as a Telegram client would. For every bot, in one run:

  start-up     time from starting the process (a /start already queued) to its answer
  one_user     1,000 steps, one user at a time (10 steps each), each after the previous reply
  closed_loop  200 users at once, 10 steps each, closed loop: throughput and latency
  burst        2,000 button presses (200 users x 10) queued at once: throughput
  start_burst  2,000 new users each send /start at once
  sessions     (optional) 10,000 distinct users each start a session: peak RSS

Bots are listed in bench/bots.py. On a shared machine one run decides nothing: `--repeat N` runs
the bots N times, interleaved (floor, wegwijzer, floor, wegwijzer, ...), takes every ratio within
its round, and reports the median, min and max over the rounds against issue 12's targets.

    .venv/bin/python bench/e2e.py                 # five bots, one round, prints a table, writes JSON
    .venv/bin/python bench/e2e.py --bots floor,wegwijzer-uncapped --repeat 5
    .venv/bin/python bench/e2e.py --bots floor,wegwijzer-uncapped --phases start_burst --repeat 5
    .venv/bin/python bench/e2e.py --bots wegwijzer-profiled --phases start_burst   # py-spy, then
    .venv/bin/python bench/pyspy_top.py bench/results/wegwijzer-profiled.start_burst.r1.pyspy.txt
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
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bots import BOT_ENV, BOTS, PROFILED, Bot, cpu_split
from harness import RESULTS, ROOT, FakeApi, closed_loop, memory_kib, summary_ms, wait_reply
from phases import PHASES, burst, fill_sessions, measure_phase, one_at_a_time, start_burst
from ratios import RATIO_TARGETS, comparisons, ratios, summarize, summary_lines

PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
TARGETS = {"cpu_ratio_max": 1.5, "updates_per_second_min": 300, "p95_one_user_ms_max": 20,
           "startup_s_max": 2.0, "rss_10k_mb_max": 120}


@contextlib.asynccontextmanager
async def profiled(bot: Bot, output: Path | None) -> AsyncIterator[None]:
    """py-spy attached to the bot for the duration of the block (nothing when `output` is None).

    Attached per phase rather than started with the bot, so start-up and imports stay out of a
    phase's profile. py-spy pauses the bot for every sample: a profiled bot's figures are not
    comparable with anything.
    """
    if output is None:
        yield
        return
    spy = await asyncio.create_subprocess_exec(
        str(PY_SPY), "record", "--pid", str(bot.pid), "--rate", "400", "--format", "raw",
        "--output", str(output), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert spy.stdout is not None
    said = b""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(15):
            while b"Sampling process" not in said and not spy.stdout.at_eof():
                said += await spy.stdout.readline()
    if b"Sampling process" not in said:
        spy.kill()
        await spy.wait()
        raise RuntimeError(f"py-spy did not start sampling pid {bot.pid}: {said.decode(errors='replace')}")
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        rest, _ = await spy.communicate()
        if spy.returncode != 0:
            print(f"py-spy failed ({spy.returncode}): {(said + rest).decode(errors='replace')}", file=sys.stderr)


async def run_bot(name: str, args: argparse.Namespace, workdir: Path, round_no: int) -> dict[str, Any]:
    api = FakeApi()
    await api.start()
    rng = random.Random(args.seed + round_no - 1)
    bot = Bot(name, api, workdir, BOT_ENV.get(name))
    profile = name in PROFILED or args.profile
    report: dict[str, Any] = {"bot": name, "load_at_start": os.getloadavg()}

    if profile:
        RESULTS.mkdir(parents=True, exist_ok=True)

    def profile_path(phase: str) -> Path | None:
        return RESULTS / f"{name}.{phase}.r{round_no}.pyspy.txt" if profile else None

    try:
        # Start-up: a /start is waiting when the process starts.
        first = api.chat(1)
        started = time.monotonic()
        api.send_text(1, "/start")
        bot.start()
        ok = await wait_reply(first, 1, 30)
        report["startup_s"] = round(time.monotonic() - started, 3) if ok else None
        if not ok:
            report["error"] = "no answer within 30 s"
            return report
        # Warm-up, not measured: imports, caches, the first SQLite pages.
        await closed_loop(api, [1], 8, rng)
        users = list(range(1000, 1000 + args.users))
        steps = args.steps

        if "one_user" in args.phases:
            async with profiled(bot, profile_path("one_user")):
                phase = await measure_phase(bot, args.one_user_steps, one_at_a_time(api, args, rng))
            latencies, missed = phase.pop("result")
            report["one_user"] = {**phase, **summary_ms(latencies), "missed": missed}

        if "closed_loop" in args.phases:
            async with profiled(bot, profile_path("closed_loop")):
                phase = await measure_phase(bot, len(users) * steps,
                                            closed_loop(api, users, steps, rng, within=args.timeout))
            latencies, missed = phase.pop("result")
            report["closed_loop"] = {**phase, **summary_ms(latencies), "missed": missed}

        if "burst" in args.phases:
            if "closed_loop" not in args.phases:
                # Presses need a keyboard: without the closed loop before it, each user starts once.
                await closed_loop(api, users, 1, rng, within=args.timeout)
            async with profiled(bot, profile_path("burst")):
                phase = await measure_phase(bot, len(users) * steps,
                                            burst(api, users, steps, rng, args.timeout))
            result = phase.pop("result")
            report["burst"] = {**phase, **result}

        if "start_burst" in args.phases:
            # New users, each sending /start at once: every one a session that is not yet kept.
            starters = list(range(5_000_000, 5_000_000 + args.start_burst))
            async with profiled(bot, profile_path("start_burst")):
                phase = await measure_phase(bot, len(starters), start_burst(api, starters, args.timeout))
            result = phase.pop("result")
            report["start_burst"] = {**phase, **result}

        if profile:
            report["profiles"] = [str(profile_path(p)) for p in PHASES if p in args.phases]
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
        if "error" in report or report["log_errors"]["Traceback"]:
            # The work directory is temporary: keep the log where the error message says it is.
            kept = RESULTS / f"{name}.r{round_no}.log"
            kept.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                shutil.copyfile(bot.log_path, kept)
                report["log"] = str(kept)
    return report


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
            print(f"  {key:<32}{value:>8.2f}")


def troubles(report: dict[str, Any]) -> list[str]:
    """What went wrong in one bot's run, so a ratio from a broken round is not read as a figure."""
    found = [report["error"]] if "error" in report else []
    for phase in PHASES:
        figures = report.get(phase, {})
        missed = figures.get("missed") or figures.get("missed_users")
        if missed:
            found.append(f"{phase}: {missed} missed")
    if report.get("callback_answers", {}).get("answered_twice"):
        found.append(f"{report['callback_answers']['answered_twice']} presses answered twice")
    found += [f"{count} {word} in its log" for word, count in report.get("log_errors", {}).items() if count]
    if "log" in report:
        found.append(f"log kept: {report['log']}")
    return found


def print_rounds(rounds: list[dict[str, Any]], summary: dict[str, dict[str, Any]]) -> None:
    """Each round's machine load and troubles, then the ratios over the rounds (if `summary`)."""
    for round_data in rounds:
        load = ", ".join(f"{name} {report['load_at_start'][0]:.2f}"
                         for name, report in round_data["bots"].items())
        print(f"round {round_data['round']}: load average (1 min) at each bot's start: {load}")
        for name, report in round_data["bots"].items():
            for trouble in troubles(report):
                print(f"  ! {name}: {trouble}")
            if "profiles" in report:
                print(f"  {name}: py-spy profiles (py-spy pauses it for every sample, so its figures are not "
                      f"comparable): {', '.join(report['profiles'])}")
    for comparison, entries in summary.items():
        print(f"\n{comparison}, {len(rounds)} rounds (each ratio within its round; verdict on the median):")
        print("\n".join(summary_lines(entries)))


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="wegwijzer-bench-") as tmp:
        for round_no in range(1, args.repeat + 1):
            reports: dict[str, dict[str, Any]] = {}
            for name in args.bots:
                workdir = Path(tmp) / f"r{round_no}-{name}"
                workdir.mkdir()
                print(f"... round {round_no}/{args.repeat}: {name}", file=sys.stderr, flush=True)
                reports[name] = await run_bot(name, args, workdir, round_no)
            rounds.append({"round": round_no, "seed": args.seed + round_no - 1, "bots": reports,
                           "ratios": {f"{n} / {f}": ratios(reports, n, f) for n, f in comparisons(reports)}})
    pairs = {pair for one in rounds for pair in one["ratios"]}
    summary = {pair: summarize([one["ratios"].get(pair, {}) for one in rounds]) for pair in sorted(pairs)}
    result = {"machine": machine(), "args": vars(args), "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "targets": TARGETS, "ratio_targets": {key: str(t) for key, t in RATIO_TARGETS.items()},
              "summary": summary, "rounds": rounds}
    if args.repeat == 1:  # the single-run shape, as before --repeat existed
        result["bots"], result["ratios"] = rounds[0]["bots"], rounds[0]["ratios"]
    return result


def names(known: tuple[str, ...] | list[str], what: str) -> Any:
    """An argparse type: a comma-separated list whose every item is one of `known`."""
    def parse(text: str) -> list[str]:
        chosen = [item.strip() for item in text.split(",") if item.strip()]
        unknown = [item for item in chosen if item not in known]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(f"unknown {what} {', '.join(unknown) or '(none given)'}; "
                                             f"choose from {', '.join(known)}")
        return chosen
    return parse


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=names(list(BOTS), "bot"),
                        default=["floor", "floor-sized", "floor-capped", "wegwijzer-uncapped", "wegwijzer"])
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of all the bots, interleaved; ratios as median, min and max over them")
    parser.add_argument("--phases", type=names(PHASES, "phase"), default=list(PHASES),
                        help=f"comma-separated, from {','.join(PHASES)} (start-up and warm-up always run)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--one-user-steps", type=int, default=1000,
                        help="updates in the one-user phase (its p95 needs many: 300 gave ±0.3 between runs)")
    parser.add_argument("--sessions", type=int, default=0)
    parser.add_argument("--start-burst", type=int, default=2000,
                        help="new users who each send /start at once (the /start burst)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a one-at-a-time user waits before the next tap; 0.05 keeps the "
                             "shipped bot under its 30 messages/s cap")
    parser.add_argument("--profile", action="store_true",
                        help="attach py-spy to every bot during each phase (wegwijzer-profiled always is)")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=7, help="seed of round 1; round n uses seed + n - 1")
    parser.add_argument("--quick", action="store_true", help="50 users x 4 steps, 100 one-user steps")
    parser.add_argument("--out", type=Path, default=RESULTS / "e2e.json")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    if (args.profile or PROFILED & set(args.bots)) and not PY_SPY.exists():
        parser.error(f"profiling needs py-spy in {PY_SPY}: .venv/bin/pip install py-spy")
    if args.quick:
        args.users, args.steps, args.one_user_steps, args.start_burst = 50, 4, 100, 200
    result = asyncio.run(main_async(args))
    if args.repeat == 1:
        print_table(result["bots"])
    print_rounds(result["rounds"], result["summary"] if args.repeat > 1 else {})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
