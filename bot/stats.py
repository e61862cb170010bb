"""`wegwijzer stats`: the anonymous weekly counts, for the network, with small counts hidden.

Any count below 10 prints as `<10` in every format (JSON too, as the string "<10"), so a single
visit can never be singled out. No totals are printed: a total next to hidden cells would give
them away by subtraction. Stats needs no token and no secret key, only WEGWIJZER_DATABASE.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.errors import StorageError
from bot.settings import places_for
from bot.store import WeeklyCount
from bot.store.database import SqliteStore

SUPPRESS_BELOW = 10
HIDDEN = f"<{SUPPRESS_BELOW}"
KINDS = ("entry", "node", "contact", "outcome")  # the order they print in
FAILED = 1
USAGE = 2


def shown(n: int) -> int | str:
    """The count as it may be published: itself from 10 up, else '<10'."""
    return n if n >= SUPPRESS_BELOW else HIDDEN


def _order(count: WeeklyCount) -> tuple[str, int, str, str]:
    kind_rank = KINDS.index(count.kind) if count.kind in KINDS else len(KINDS)
    return (count.iso_week, kind_rank, count.kind, count.name)


def render(counts: Sequence[WeeklyCount], output_format: str, weeks: int) -> str:
    rows = sorted(counts, key=_order)
    if output_format == "json":
        document = {
            "weeks": weeks,
            "suppressed_below": SUPPRESS_BELOW,
            "counts": [
                {"iso_week": c.iso_week, "kind": c.kind, "name": c.name, "count": shown(c.n)}
                for c in rows
            ],
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["iso_week", "kind", "name", "count"])
        writer.writerows([c.iso_week, c.kind, c.name, shown(c.n)] for c in rows)
        return buffer.getvalue()
    return _table(rows, weeks)


def _table(rows: Sequence[WeeklyCount], weeks: int) -> str:
    title = (
        f"Wegwijzer: anonymous counts for the last {weeks} ISO week(s); "
        f"counts below {SUPPRESS_BELOW} show as {HIDDEN}."
    )
    if not rows:
        return f"{title}\nNo counts recorded in these weeks.\n"
    header = ("week", "kind", "name", "count")
    cells = [(c.iso_week, c.kind, c.name, str(shown(c.n))) for c in rows]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(4)]
    def line(row: tuple[str, ...]) -> str:
        left = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3]))
        return f"{left}  {row[3].rjust(widths[3])}".rstrip()

    lines = [title, "", line(header)]
    for index, row in enumerate(cells):
        if index > 0 and row[0] != cells[index - 1][0]:
            lines.append("")  # a blank line between weeks
        lines.append(line(row))
    return "\n".join(lines) + "\n"


def database_path(args: argparse.Namespace | None = None) -> Path:
    """WEGWIJZER_DATABASE (from .env, the environment or a flag), or the default the bot uses."""
    return places_for(args).database


async def read_counts(path: Path, weeks: int) -> list[WeeklyCount]:
    store = SqliteStore(path, retention_seconds=0)
    await store.open()
    try:
        return await store.weekly_counts(weeks)
    finally:
        await store.close()


def main(args: argparse.Namespace) -> int:
    weeks = int(args.weeks)
    output_format = str(getattr(args, "format", "table"))
    if weeks < 1:
        sys.stderr.write("wegwijzer stats: --weeks must be 1 or more.\n")
        return USAGE
    path = database_path(args)
    if not path.is_file():
        sys.stderr.write(
            f"wegwijzer stats: no database at {path}. Set WEGWIJZER_DATABASE to the bot's "
            "database file (the bot creates it on its first run).\n"
        )
        return FAILED
    try:
        counts = asyncio.run(read_counts(path, weeks))
    except StorageError as error:
        sys.stderr.write(f"wegwijzer stats: {error}\n")
        return FAILED
    sys.stdout.write(render(counts, output_format, weeks))
    return 0
