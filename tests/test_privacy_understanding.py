"""Privacy canaries for the understanding layer: typed text that gets "Bedoelt u…?" or "not
understood", or goes through `wegwijzer routes`, leaves no trace in the database, its WAL or the logs.

Only the fact is counted ("did_you_mean", "not_understood"), never the text, a hash of it, or who
typed it. Kept apart from tests/test_privacy_canary.py so both can grow without merging pains.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.conversation import Conversation, Incoming
from bot.flood import FloodGuard, FloodLimits
from bot.flow.loader import load_guide
from bot.flow.model import Guide
from bot.flow.session import Press, Start, Text
from bot.logs import configure_logging, remove_logging
from bot.reload import GuideHolder
from bot.sessions import Sessions
from bot.store.database import SqliteStore
from tests.fakes.messenger import RecordingMessenger

SHIPPED_FLOWS = Path(__file__).resolve().parents[1] / "flows"
SECRET_KEY = b"understanding-canary-secret-0123456789-abcdefghijkl"
RETENTION = 6 * 3600.0


def canary_texts(n: int) -> tuple[str, str]:
    """One text that gets "Bedoelt u…?" and one that is not understood, each marked with n."""
    return (
        f"ik weet niet wat ik moet doen met die inwoner Merelzang{n:03d}",
        f"qwxz Roodborst{n:03d} zzkq",
    )


def needles(text: str) -> dict[str, bytes]:
    """The text, its marked word, and the unkeyed hashes someone might keep instead."""
    marked = next(word for word in text.split() if any(ch.isdigit() for ch in word))
    found = {"text": text.encode(), "marked word": marked.encode(), "marked word lower": marked.lower().encode()}
    for name in ("md5", "sha1", "sha256"):
        digest = hashlib.new(name, text.encode()).digest()
        found[f"{name} hex"] = digest.hex().encode()
        found[f"{name} base64"] = base64.b64encode(digest)
    return found


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    configure_logging(level="DEBUG", log_format="json", secrets=[SECRET_KEY], stream=stream)
    yield stream
    remove_logging()
    root.setLevel(level)


@pytest.fixture(scope="module")
def guide() -> Guide:
    result = load_guide(SHIPPED_FLOWS)
    assert result.guide is not None
    return result.guide


def _files(database: Path) -> bytes:
    return b"".join(
        Path(f"{database}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm", "-journal")
        if Path(f"{database}{suffix}").exists()
    )


async def test_did_you_mean_and_not_understood_texts_leave_no_trace(
    tmp_path: Path, guide: Guide, captured_logs: io.StringIO
) -> None:
    """30 users type unclear text, get "Bedoelt u…?" and press a suggestion: only the counts remain."""
    database = tmp_path / "wegwijzer.sqlite3"
    clock = time.time()
    texts = [text for n in range(30) for text in canary_texts(n)]
    async with SqliteStore(database, retention_seconds=RETENTION) as store:
        conversation = Conversation(
            GuideHolder(guide, files=1), Sessions(store, retention_seconds=RETENTION), SECRET_KEY,
            flood=FloodGuard(FloodLimits(burst=1000)), clock=lambda: clock,
        )
        suggested = 0
        for n in range(30):
            user = 555_000 + n
            messenger = RecordingMessenger()
            unclear, gibberish = canary_texts(n)
            await conversation.handle(Incoming(user, user, Start(None), "nl"), messenger)
            await conversation.handle(Incoming(user, user, Text(unclear), "nl", message_id=2), messenger)
            offered = [b for r in messenger.replies() for row in r.buttons for b in row if b.action.startswith("g:go:")]
            if offered:
                suggested += 1
                await conversation.handle(Incoming(user, user, Press(offered[0].action), "nl"), messenger)
            await conversation.handle(Incoming(user, user, Text(gibberish), "nl", message_id=3), messenger)
        assert suggested == 30, "the unclear text must get 'Bedoelt u…?', or this test proves nothing"
        counts = {(c.kind, c.name): c.n for c in await store.weekly_counts(1, now=datetime.fromtimestamp(clock, UTC))}
        assert counts[("outcome", "did_you_mean")] == 30
        assert counts[("outcome", "not_understood")] == 30
        assert counts[("entry", "suggestion")] == 30
        stored = _files(database)
        logs = captured_logs.getvalue().encode()
        assert b"did_you_mean" in stored  # control: the search does see what is stored
        found = [
            f"{what} of {text!r} in {where}"
            for text in texts
            for what, needle in needles(text).items()
            for where, haystack in (("database", stored), ("logs", logs))
            if needle in haystack
        ]
        assert found == []


def test_routes_prints_only_to_the_terminal_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], captured_logs: io.StringIO
) -> None:
    """`wegwijzer routes` shows the staff member's text back on stdout, and nowhere else: no file, no log."""
    monkeypatch.chdir(tmp_path)
    text = "er staat een Zanglijster777 bij mijn deur"
    assert cli(["routes", text, "--flows", str(SHIPPED_FLOWS)]) == 0
    shown = capsys.readouterr()
    assert "Zanglijster777" in shown.out  # control: it did read and show the text
    assert "Zanglijster777" not in shown.err
    assert list(tmp_path.iterdir()) == []
    assert all(needle not in captured_logs.getvalue().encode() for needle in needles(text).values())
