"""Floor and Wegwijzer measured slice by slice, both running at once: ratios a noisy machine keeps.

`bench/e2e.py` runs one bot after the other, about 40 s each; on this shared machine the speed of
the cores drifts by up to 2x within a minute, so one round's ratio moved between 0.9 and 1.8 for
the same code. Here every bot is started first (each against its own fake Bot API, idle ones just
hold a long poll), and each phase is cut into slices that alternate between the bots (A B, B A,
A B, ...), a few seconds each, so a slow minute falls on both. A bot's figure is its total over
all its slices (CPU per update = CPU seconds / updates; p95 over every latency); the spread of
the per-slice ratios is shown next to it.

  one_user     1,000 steps, one user at a time (10 steps each): 10 slices of 100 steps per bot
  start_burst  2,000 new users each send /start at once: one burst per slice
  burst        2,000 button presses (200 users x 10) queued at once: one burst per slice

    .venv/bin/python bench/paired.py                         # floor vs wegwijzer-uncapped
    .venv/bin/python bench/paired.py --bots floor,wegwijzer-before,wegwijzer-uncapped
    .venv/bin/python bench/paired.py --phases one_user --slices 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots import BOT_ENV, BOTS, Bot
from harness import RESULTS, FakeApi, closed_loop, percentile, wait_reply
from phases import PER_USER_STEPS, burst, start_burst
from ratios import RATIO_TARGETS

PHASES = ("one_user", "start_burst", "burst")


@dataclass
class Tally:
    """One bot's totals in one phase, over all its slices."""

    updates: int = 0
    cpu_s: float = 0.0
    elapsed_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    missed: int = 0
    slices: list[tuple[float, float]] = field(default_factory=list)  # (CPU ms/update, updates/s)

    def add(self, updates: int, cpu_s: float, elapsed_s: float) -> None:
        self.updates += updates
        self.cpu_s += cpu_s
        self.elapsed_s += elapsed_s
        self.slices.append((cpu_s * 1000 / updates, updates / elapsed_s))

    def figures(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "updates": self.updates,
            "missed": self.missed,
            "cpu_ms_per_update": round(self.cpu_s * 1000 / self.updates, 3),
            "updates_per_s": round(self.updates / self.elapsed_s, 1),
        }
        if self.latencies:
            out["median_ms"] = round(statistics.median(self.latencies) * 1000, 2)
            out["p95_ms"] = round(percentile(self.latencies, 0.95) * 1000, 2)
        return out


@dataclass
class Running:
    """A started bot with its own fake Bot API."""

    name: str
    api: FakeApi
    bot: Bot
    next_user: int = 100


async def start(name: str, workdir: Path, rng: random.Random) -> Running:
    api = FakeApi()
    await api.start()
    workdir.mkdir()  # noqa: ASYNC240 (before the bot starts, nothing else runs)
    bot = Bot(name, api, workdir, BOT_ENV.get(name))
    api.send_text(1, "/start")
    bot.start()
    if not await wait_reply(api.chat(1), 1, 30):
        raise RuntimeError(f"{name} did not answer /start within 30 s; its log: {bot.log_path}")
    await closed_loop(api, [1], 8, rng)  # warm-up: imports, caches, the first SQLite pages
    return Running(name, api, bot)


async def prepare(phase: str, runner: Running, size: int, rng: random.Random, within: float) -> list[int]:
    """The users of one slice, new to the bot; for presses, each first starts (not measured)."""
    count = size // PER_USER_STEPS if phase in ("one_user", "burst") else size
    users = list(range(runner.next_user, runner.next_user + count))
    runner.next_user += count
    if phase == "burst":
        await closed_loop(runner.api, users, 1, rng, within=within)  # a keyboard to press
    return users


async def one_slice(
    phase: str, api: FakeApi, users: list[int], rng: random.Random, within: float
) -> tuple[int, list[float], int]:
    """Run one slice of `phase` on one bot: (updates, latencies, missed)."""
    if phase == "one_user":
        latencies: list[float] = []
        missed = 0
        for user in users:  # one after another, never two updates in flight
            got, lost = await closed_loop(api, [user], PER_USER_STEPS, rng)
            latencies += got
            missed += lost
        return len(users) * PER_USER_STEPS, latencies, missed
    if phase == "start_burst":
        result = await start_burst(api, users, within)
        return len(users), [], result["missed_users"]
    result = await burst(api, users, PER_USER_STEPS, rng, within)
    return len(users) * PER_USER_STEPS, [], result["missed_users"]


async def measure(
    runners: list[Running], phase: str, slices: int, size: int, rng: random.Random, within: float
) -> dict[str, Tally]:
    tallies = {runner.name: Tally() for runner in runners}
    for number in range(slices):
        order = runners if number % 2 == 0 else runners[::-1]
        for runner in order:
            users = await prepare(phase, runner, size, rng, within)
            cpu, started = runner.bot.cpu(), time.monotonic()
            updates, latencies, missed = await one_slice(phase, runner.api, users, rng, within)
            elapsed = time.monotonic() - started
            tally = tallies[runner.name]
            tally.add(updates, runner.bot.cpu() - cpu, elapsed)
            tally.latencies += latencies
            tally.missed += missed
    return tallies


def compare(ours: Tally, floor: Tally, phase: str) -> dict[str, Any]:
    """Ratios of the totals, and the median/min/max of the per-slice ratios beside them."""
    out: dict[str, Any] = {}
    per_slice = [
        (mine[0] / theirs[0], mine[1] / theirs[1]) for mine, theirs in zip(ours.slices, floor.slices, strict=True)
    ]
    cpu = ours.cpu_s / ours.updates / (floor.cpu_s / floor.updates)
    out[f"cpu_per_update_{phase}"] = _entry(cpu, [one[0] for one in per_slice])
    throughput = (ours.updates / ours.elapsed_s) / (floor.updates / floor.elapsed_s)
    out[f"throughput_{phase}"] = _entry(throughput, [one[1] for one in per_slice])
    if ours.latencies and floor.latencies:
        out[f"p95_{phase}"] = _entry(percentile(ours.latencies, 0.95) / percentile(floor.latencies, 0.95), [])
    return out


def _entry(total: float, slices: list[float]) -> dict[str, Any]:
    entry: dict[str, Any] = {"ratio": round(total, 3)}
    if slices:
        entry.update(
            slice_median=round(statistics.median(slices), 3),
            slice_min=round(min(slices), 3),
            slice_max=round(max(slices), 3),
        )
    return entry


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    result: dict[str, Any] = {
        "args": vars(args),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "phases": {},
        "ratios": {},
    }
    with tempfile.TemporaryDirectory(prefix="wegwijzer-paired-") as tmp:
        runners: list[Running] = []
        try:
            for name in args.bots:
                runners.append(await start(name, Path(tmp) / name, rng))
            for phase in args.phases:
                print(f"... {phase}: {args.slices[phase]} slices per bot", file=sys.stderr, flush=True)
                tallies = await measure(runners, phase, args.slices[phase], args.size[phase], rng, args.timeout)
                result["phases"][phase] = {name: tally.figures() for name, tally in tallies.items()}
                floor = tallies[args.bots[0]]
                for runner in runners[1:]:
                    pair = f"{runner.name} / {args.bots[0]}"
                    result["ratios"].setdefault(pair, {}).update(compare(tallies[runner.name], floor, phase))
        finally:
            for runner in runners:
                result.setdefault("exit_codes", {})[runner.name] = await runner.bot.stop()
                await runner.api.stop()
                result.setdefault("log_errors", {})[runner.name] = {
                    word: runner.bot.log_lines(word) for word in ("handler_error", "storage_error", "Traceback")
                }
    return result


def print_result(result: dict[str, Any]) -> None:
    for phase, bots in result["phases"].items():
        print(f"{phase}:")
        for name, figures in bots.items():
            print(f"  {name:<22}" + "  ".join(f"{key} {value}" for key, value in figures.items()))
    for pair, entries in result["ratios"].items():
        print(f"\n{pair} (totals over all slices; per-slice median [min-max]):")
        for key, entry in entries.items():
            target = RATIO_TARGETS.get(key)
            verdict = "" if target is None else f"{target!s:>7} {'✓' if target.met(entry['ratio']) else '✗'}"
            spread = (
                f"  slices {entry['slice_median']:.2f} [{entry['slice_min']:.2f}-{entry['slice_max']:.2f}]"
                if "slice_median" in entry
                else ""
            )
            print(f"  {key:<30}{entry['ratio']:>7.2f}  {verdict:<10}{spread}")
    for name, errors in result.get("log_errors", {}).items():
        if any(errors.values()):
            print(f"! {name}: {errors} in its log")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bots",
        default="floor,wegwijzer-uncapped",
        help="comma-separated; the first is the floor every other is compared with",
    )
    parser.add_argument("--phases", default=",".join(PHASES))
    parser.add_argument(
        "--slices", type=int, default=0, help="slices per bot and phase (default: 10 for one_user, 3 for the bursts)"
    )
    parser.add_argument("--one-user-steps", type=int, default=1000)
    parser.add_argument("--burst-size", type=int, default=2000, help="updates in each burst slice")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS / "paired.json")
    args = parser.parse_args()
    args.bots = [name.strip() for name in args.bots.split(",") if name.strip()]
    args.phases = [name.strip() for name in args.phases.split(",") if name.strip()]
    unknown = [name for name in args.bots if name not in BOTS] + [p for p in args.phases if p not in PHASES]
    if unknown or len(args.bots) < 2:
        parser.error(
            f"need two or more bots from {', '.join(BOTS)} and phases from {', '.join(PHASES)}"
            f"{'; unknown: ' + ', '.join(unknown) if unknown else ''}"
        )
    slices = {"one_user": args.slices or 10, "start_burst": args.slices or 3, "burst": args.slices or 3}
    args.slices = slices
    args.size = {
        "one_user": max(PER_USER_STEPS, args.one_user_steps // slices["one_user"] // PER_USER_STEPS * PER_USER_STEPS),
        "start_burst": args.burst_size,
        "burst": args.burst_size,
    }
    result = asyncio.run(main_async(args))
    print_result(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
