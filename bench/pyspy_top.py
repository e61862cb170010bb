"""Top-N tables from py-spy's raw (collapsed-stack) output: self and cumulative time per function.

py-spy's `--format raw` writes one line per distinct stack, `outer (file.py:12);inner (file.py:40) 17`,
root first, with the number of samples that ended in it. Here:

  self        samples whose innermost frame is the function: time spent in its own lines
  cumulative  samples with the function anywhere on the stack (counted once per sample, so
              recursion does not count twice): time spent in it and everything it called

Functions are told apart by name and file, not line. Our own code (files under bot/) comes first,
then everything, then self time per top-level package (telegram, httpx, asyncio, ...).

py-spy is meant to leave out idle threads, but on this machine it does not tell them apart (a
thread blocked in `time.sleep` is sampled as busy), so the event loop's epoll wait and the worker
threads' queue waits would fill the tables. Samples whose innermost frame is one of WAITS are
counted apart and left out of the percentages (`--keep-waits` keeps them).

    .venv/bin/python bench/e2e.py --bots wegwijzer-profiled --phases start_burst
    .venv/bin/python bench/pyspy_top.py bench/results/wegwijzer-profiled.start_burst.r1.pyspy.txt
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

OWN_PREFIXES = ("bot/",)
# (function, file) of frames that, as the innermost frame, mean "blocked, waiting for work": their
# own lines are a blocking call into C (epoll_wait, SimpleQueue.get, a lock).
WAITS = frozenset({
    ("EpollSelector.select", "selectors.py"),
    ("_connection_worker_thread", "aiosqlite/core.py"),  # tx.get(): waiting for the next statement
    ("_worker", "concurrent/futures/thread.py"),  # work_queue.get(): an idle to_thread worker
    ("Condition.wait", "threading.py"),
    ("Event.wait", "threading.py"),
    ("Thread._wait_for_tstate_lock", "threading.py"),
})


def function_of(frame: str) -> tuple[str, str]:
    """`name (path/file.py:12)` -> (name, path/file.py); a frame without a place keeps its text."""
    name, _, place = frame.rpartition(" (")
    if not name or not place.endswith(")"):
        return frame, ""
    return name, place[:-1].rpartition(":")[0] or place[:-1]


def tally(lines: Iterable[str], keep_waits: bool = False) -> tuple[Counter[tuple[str, str]],
                                                                 Counter[tuple[str, str]], int, int]:
    """Self and cumulative samples per (function, file), the samples counted and those left out as waits."""
    own: Counter[tuple[str, str]] = Counter()
    cumulative: Counter[tuple[str, str]] = Counter()
    total = waits = 0
    for line in lines:
        stack, _, count_text = line.rstrip("\n").rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [function_of(frame) for frame in stack.split(";")]
        if frames[-1] in WAITS and not keep_waits:
            waits += count
            continue
        total += count
        own[frames[-1]] += count
        for function in set(frames):
            cumulative[function] += count
    return own, cumulative, total, waits


def is_own(function: tuple[str, str]) -> bool:
    return function[1].startswith(OWN_PREFIXES)


def package_of(path: str) -> str:
    """The top-level package or module of a file as py-spy names it (`telegram/_bot.py` -> telegram)."""
    first = path.split("/", 1)[0]
    return first.removesuffix(".py") or "(native or unknown)"


def table(title: str, rows: list[tuple[tuple[str, str], int]], own: Counter[tuple[str, str]],
          cumulative: Counter[tuple[str, str]], total: int) -> list[str]:
    lines = [f"\n{title}", f"  {'self %':>7} {'cum %':>7}  function (file)"]
    for function, _ in rows:
        name, path = function
        lines.append(f"  {100 * own[function] / total:>7.1f} {100 * cumulative[function] / total:>7.1f}"
                     f"  {name} ({path})")
    return lines


def report(own: Counter[tuple[str, str]], cumulative: Counter[tuple[str, str]], total: int, waits: int,
           top: int) -> list[str]:
    if total == 0:
        return [f"no samples besides {waits} waits"]
    mine = {function for function in cumulative if is_own(function)}
    own_self = sum(count for function, count in own.items() if function in mine)
    lines = [f"{total} samples (and {waits} waiting for work, left out); own code (files under "
             f"{', '.join(OWN_PREFIXES)}): {100 * own_self / total:.1f} % self"]

    def ranked(counter: Counter[tuple[str, str]], only_own: bool) -> list[tuple[tuple[str, str], int]]:
        return [(f, n) for f, n in counter.most_common() if not only_own or f in mine][:top]

    lines += table(f"own code by self time (top {top})", ranked(own, True), own, cumulative, total)
    lines += table(f"own code by cumulative time (top {top})", ranked(cumulative, True), own, cumulative, total)
    lines += table(f"all code by self time (top {top})", ranked(own, False), own, cumulative, total)
    lines += table(f"all code by cumulative time (top {top})", ranked(cumulative, False), own, cumulative, total)
    packages: Counter[str] = Counter()
    for function, count in own.items():
        packages[package_of(function[1])] += count
    lines += ["\nself time per package", *(f"  {100 * n / total:>7.1f}  {name}"
                                          for name, n in packages.most_common(top))]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", type=Path, nargs="+", help="py-spy --format raw output files (summed)")
    parser.add_argument("--top", type=int, default=25, help="rows per table")
    parser.add_argument("--keep-waits", action="store_true", help="count samples of threads waiting for work too")
    args = parser.parse_args()
    lines: list[str] = []
    for path in args.profiles:
        try:
            lines += path.read_text(errors="replace").splitlines()
        except OSError as error:
            print(f"cannot read {path}: {error.strerror}", file=sys.stderr)
            return 1
    own, cumulative, total, waits = tally(lines, args.keep_waits)
    print("\n".join(report(own, cumulative, total, waits, args.top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
