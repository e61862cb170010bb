"""`wegwijzer stats`: weekly counts for the network, with every count below 10 shown as <10."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main as wegwijzer
from bot.flow.session import Tally
from bot.stats import render
from bot.store import WeeklyCount
from bot.store.database import SqliteStore

SMALL = {"dreiging": 3, "online": 7, "nood": 1, "integriteit": 9}
LARGE = {"start": 10, "menu": 12}


def fill(path: Path, counts: dict[tuple[str, str], int], when: datetime) -> None:
    async def write() -> None:
        async with SqliteStore(path, retention_seconds=3600) as store:
            for (kind, name), n in counts.items():
                for _ in range(n):
                    await store.count([Tally(kind, name)], when)

    asyncio.run(write())


@pytest.fixture
def database(tmp_path, monkeypatch) -> Path:
    """A bot database with this week's counts; no secret key or token in the environment."""
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    monkeypatch.delenv("WEGWIJZER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("WEGWIJZER_DATABASE", str(path))
    counts = {("node", name): n for name, n in SMALL.items()}
    counts |= {("entry", name): n for name, n in LARGE.items()}
    counts[("outcome", "emergency")] = 2
    counts[("contact", "ondersteuningsteam")] = 11
    fill(path, counts, datetime.now(UTC))
    fill(path, {("node", "oud"): 50}, datetime.now(UTC) - timedelta(weeks=10))
    return path


def test_the_table_hides_small_counts_and_shows_large_ones(database, capsys):
    """The table shows counts of 10 and more and prints every smaller count as <10."""
    assert wegwijzer(["stats", "--weeks", "2"]) == 0
    output = capsys.readouterr().out
    rows = [line.split() for line in output.splitlines()[3:] if line.strip()]
    counts = {row[2]: row[3] for row in rows}
    assert counts == {
        "start": "10", "menu": "12", "dreiging": "<10", "integriteit": "<10", "nood": "<10",
        "online": "<10", "ondersteuningsteam": "11", "emergency": "<10",
    }
    assert [row[1] for row in rows] == ["entry"] * 2 + ["node"] * 4 + ["contact", "outcome"]
    assert "counts below 10 show as <10" in output
    assert "oud" not in output  # ten weeks ago is outside --weeks 2


def test_csv_hides_small_counts(database, capsys):
    """The CSV output hides every count below 10 as <10 too."""
    assert wegwijzer(["stats", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {row["name"]: row["count"] for row in rows if row["kind"] == "node"} == {
        "dreiging": "<10", "integriteit": "<10", "nood": "<10", "online": "<10",
    }
    assert {row["count"] for row in rows} == {"<10", "10", "11", "12"}


def test_json_hides_small_counts_as_the_string_below_ten(database, capsys):
    """JSON gives counts below 10 as the string "<10" and larger ones as numbers."""
    assert wegwijzer(["stats", "--format", "json", "--weeks", "1"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["suppressed_below"] == 10
    counts = {entry["name"]: entry["count"] for entry in document["counts"]}
    assert counts["dreiging"] == "<10"
    assert counts["emergency"] == "<10"
    assert counts["menu"] == 12
    assert all((isinstance(c, str) and c == "<10") or c >= 10 for c in counts.values())


def test_older_weeks_appear_with_enough_weeks(database, capsys):
    """A count from ten weeks ago appears once --weeks reaches back that far."""
    assert wegwijzer(["stats", "--weeks", "12", "--format", "csv"]) == 0
    assert "node,oud,50" in capsys.readouterr().out


def test_a_missing_database_is_a_clear_failure_and_is_not_created(tmp_path, monkeypatch, capsys):
    """Stats on a missing database exits 1, names WEGWIJZER_DATABASE and creates no file."""
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "nowhere.sqlite3"
    monkeypatch.setenv("WEGWIJZER_DATABASE", str(missing))
    assert wegwijzer(["stats"]) == 1
    error = capsys.readouterr().err
    assert f"no database at {missing}" in error
    assert "WEGWIJZER_DATABASE" in error
    assert not missing.exists()


def test_weeks_must_be_positive(database, capsys):
    """--weeks 0 is a usage error (exit 2) with a one-line reason."""
    assert wegwijzer(["stats", "--weeks", "0"]) == 2
    assert "--weeks must be 1 or more" in capsys.readouterr().err


def test_an_empty_database_says_so(tmp_path, monkeypatch, capsys):
    """A database without counts says that no counts were recorded, and exits 0."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "empty.sqlite3"
    fill(path, {}, datetime.now(UTC))
    monkeypatch.setenv("WEGWIJZER_DATABASE", str(path))
    assert wegwijzer(["stats"]) == 0
    assert "No counts recorded in these weeks." in capsys.readouterr().out


def published_counts(text: str, output_format: str) -> list[str]:
    if output_format == "json":
        return [str(entry["count"]) for entry in json.loads(text)["counts"]]
    if output_format == "csv":
        return [row["count"] for row in csv.DictReader(io.StringIO(text))]
    return [line.split()[-1] for line in text.splitlines()[3:] if line.strip()]


@given(
    st.lists(
        st.tuples(st.sampled_from(["entry", "node", "contact", "outcome"]),
                  st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
                  st.integers(min_value=1, max_value=40)),
        max_size=30, unique_by=lambda row: (row[0], row[1]),
    ),
    st.sampled_from(["table", "csv", "json"]),
)
def test_no_format_ever_publishes_a_count_from_1_to_9(rows, output_format):
    """Whatever was counted, a published cell is '<10' or at least 10; nothing is summed."""
    counts = [WeeklyCount("2026-W48", kind, name, n) for kind, name, n in rows]
    published = published_counts(render(counts, output_format, 1), output_format)
    assert len(published) == len(counts)
    assert all(cell == "<10" or int(cell) >= 10 for cell in published)
    assert sorted(c.n for c in counts if c.n >= 10) == sorted(
        int(cell) for cell in published if cell != "<10")
