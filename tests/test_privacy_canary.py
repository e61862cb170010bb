"""The canary: a recognisable fake identity goes through every path; nothing of it is kept.

Many users with a marked Telegram id, names, username and typed texts talk to the guide. Then the
database file, its -wal and -shm, and every log line are searched byte for byte for the id
(decimal, hex, 8-byte big and little endian), the names, the texts, and the unkeyed MD5, SHA-1
and SHA-256 of the id (and an HMAC with an empty key): an attacker holding the files but not the
secret key must find nothing. After /wis and the purge, not even the keyed pseudonyms remain.

The first test drives the real conversation service (flood guard, load, engine, erase, save with
counts, its log line) on the real SQLite store, without a transport; the second goes through
Telegram's transport and PTB against the fake Bot API.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.conversation import Conversation, Incoming
from bot.errors import StorageError
from bot.flood import FloodGuard, FloodLimits
from bot.flow import actions
from bot.flow.engine import new_session
from bot.flow.loader import load_guide
from bot.flow.model import Guide
from bot.flow.session import Command, Event, Press, Reply, Start, Text
from bot.logs import configure_logging, log_event, remove_logging
from bot.pseudonym import pseudonym
from bot.reload import GuideHolder
from bot.sessions import Sessions
from bot.store import StoredSession
from bot.store.database import SqliteStore
from tests.fakes.messenger import RecordingMessenger
from tests.fakes.store import ConnectionTap

SHIPPED_FLOWS = Path(__file__).resolve().parents[1] / "flows"
SECRET_KEY = b"canary-test-secret-key-0123456789-abcdefghijklmnop"
RETENTION = 6 * 3600.0
BASE_ID = 987654321012


@dataclass(frozen=True)
class Canary:
    user_id: int
    first_name: str
    last_name: str
    username: str
    texts: tuple[str, ...]

    @classmethod
    def number(cls, n: int) -> Canary:
        return cls(
            user_id=BASE_ID + n,
            first_name=f"Kanarina{n:03d}",
            last_name=f"Vogelzang{n:03d}",
            username=f"canary_vogel_{n:03d}",
            texts=(
                f"mijn naam is Kanarina{n:03d} Vogelzang{n:03d}, bel 0612{n:06d}",
                f"de dader heet Zwartkop{n:03d} en woont op de Kanarieweg{n:03d}",
            ),
        )

    def needles(self) -> dict[str, bytes]:
        """Every form in which this identity might be found, by someone without the key."""
        decimal = str(self.user_id).encode()
        found: dict[str, bytes] = {
            "id": decimal,
            "id hex": format(self.user_id, "x").encode(),
            "id HEX": format(self.user_id, "X").encode(),
            "id 8 bytes big endian": self.user_id.to_bytes(8, "big"),
            "id 8 bytes little endian": self.user_id.to_bytes(8, "little"),
            "first name": self.first_name.encode(),
            "last name": self.last_name.encode(),
            "username": self.username.encode(),
            "hmac with an empty key": hmac.new(b"", decimal, hashlib.sha256).hexdigest().encode(),
        }
        for index, text in enumerate(self.texts):
            found[f"text {index}"] = text.encode()
            found[f"text {index} tail"] = text.split()[-1].encode()
        for name in ("md5", "sha1", "sha256"):
            digest = hashlib.new(name, decimal).digest()
            found[f"{name} hex"] = digest.hex().encode()
            found[f"{name} bytes"] = digest
            found[f"{name} base64"] = base64.b64encode(digest)
        return found

    @property
    def key(self) -> str:
        return pseudonym(SECRET_KEY, self.user_id)


def artifacts(database: Path) -> dict[str, bytes]:
    files = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{database}{suffix}")
        if path.exists():
            files[path.name] = path.read_bytes()
    return files


def hits(haystacks: dict[str, bytes], canaries: list[Canary]) -> list[str]:
    return [
        f"{canary.first_name}: {what} in {where}"
        for canary in canaries
        for what, needle in canary.needles().items()
        for where, data in haystacks.items()
        if needle in data
    ]


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """All log output, ours and libraries', at DEBUG, as the operator would get it."""
    root = logging.getLogger()
    level, raise_exceptions = root.level, logging.raiseExceptions
    stream = io.StringIO()
    configure_logging(level="DEBUG", log_format="json", secrets=[SECRET_KEY], stream=stream)
    yield stream
    remove_logging()
    root.setLevel(level)
    logging.raiseExceptions = raise_exceptions
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.NOTSET)


@pytest.fixture(scope="module")
def guide() -> Guide:
    result = load_guide(SHIPPED_FLOWS)
    assert result.guide is not None, "\n".join(str(p) for p in result.problems)
    return result.guide


def first_option(replies: list[Reply]) -> Press | None:
    for reply in reversed(replies):
        for row in reply.buttons:
            for button in row:
                if button.action.startswith("o:"):
                    return Press(button.action)
    return None


def script(canary: Canary, guide: Guide) -> list[Event | str]:
    """What one canary does; "option" means: press the first option button now on screen."""
    entry = sorted(guide.entry_points)[canary.user_id % len(guide.entry_points)]
    return [
        Start(None), "option", "option",
        Text(canary.texts[0]),  # not understood: must be dropped, not kept
        Text("ik word bedreigd"), "option",
        Text(canary.texts[1]),
        Command("taal", "en"), Press(actions.BACK), Press(actions.HELP),
        Start(entry), "option",
        Command("nood"),
        Press("o:forged:999:ffff"),  # a button no guide ever made
        Command("menu"), "option",
        *([Command("wis")] if canary.user_id % 2 == 0 else []),  # half of them leave and erase
    ]


async def visit(store: SqliteStore, guide: Guide, canary: Canary, clock: float) -> None:
    """One user's conversation through the real conversation service, on the real store."""
    now = [clock]
    conversation = Conversation(
        GuideHolder(guide, files=1), Sessions(store, retention_seconds=RETENTION), SECRET_KEY,
        flood=FloodGuard(FloodLimits(burst=1000)), clock=lambda: now[0],
    )
    messenger = RecordingMessenger()
    message_id = 1
    for step in script(canary, guide):
        replies = messenger.replies()
        event = first_option(replies) if step == "option" else step
        if not isinstance(event, Start | Press | Command | Text):
            continue
        await conversation.handle(Incoming(canary.user_id, canary.user_id, event, "nl-NL",
                                           message_id=message_id), messenger)
        message_id += 1
        # A careless call with personal fields: the allow-list must drop them.
        log_event("update_handled", flow=guide.version, latency_ms=1.5, user_id=canary.user_id,
                  first_name=canary.first_name, username=canary.username,
                  text=getattr(event, "text", None))
        now[0] += 7


def library_noise(canary: Canary) -> None:
    """What python-telegram-bot logs when something goes wrong: the whole update as an argument."""
    update = {"update_id": 1, "message": {
        "from": {"id": canary.user_id, "first_name": canary.first_name,
                 "last_name": canary.last_name, "username": canary.username},
        "chat": {"id": canary.user_id, "type": "private"}, "text": canary.texts[0]}}
    logging.getLogger("telegram.ext.Application").critical(
        "Error while building CallbackContext for update %s. Update will not be processed.", update)
    logging.getLogger("telegram.ext.Updater").debug("Webhook received data: %s", update)
    try:
        raise KeyError(f"user {canary.user_id} {canary.first_name}")
    except KeyError:
        logging.getLogger("telegram.ext.Application").exception("No error handlers are registered")


SESSIONS = 100


async def test_many_canary_sessions_leave_no_identity_in_the_database_or_logs(
    tmp_path, guide, captured_logs
):
    """100 marked users through every kind of event: db, WAL, shm and logs hold none of them."""
    database = tmp_path / "wegwijzer.sqlite3"
    canaries = [Canary.number(n) for n in range(SESSIONS)]
    clock = time.time()
    tap = ConnectionTap()
    async with SqliteStore(database, retention_seconds=RETENTION, connector=tap,
                           writer_connector=tap.writer) as store:
        for index, canary in enumerate(canaries):
            await visit(store, guide, canary, clock + index)
            if index % 10 == 0:
                library_noise(canary)
        # A storage fault in the middle: its message is logged, and must be clean too. The switch
        # is a per-connection pragma, so it goes through the store's own connection.
        await tap.pragma("query_only = ON")
        with pytest.raises(StorageError) as failure:
            await store.save(canaries[1].key, StoredSession(new_session(guide), (1,), "x", clock))
        log_event("storage_error", level=logging.ERROR, reason=str(failure.value))
        await tap.pragma("query_only = OFF")

        live = [c for c in canaries if await store.load(c.key, clock + 1000) is not None]
        erased = [c for c in canaries if c not in live]
        assert [c.user_id % 2 for c in erased] == [0] * (SESSIONS // 2)
        assert live, "no session survived; the run proves nothing"
        files = artifacts(database)
        logs = captured_logs.getvalue()
        assert logs.count('"event": "update_handled"') >= SESSIONS * 10

        # Control: the search does see the files; the keyed pseudonyms of live sessions are there.
        everything = b"".join(files.values())
        assert all(c.key.encode() in everything for c in live)
        assert hits({**files, "logs": logs.encode()}, canaries) == []
        assert not any(c.key in logs for c in canaries), "pseudonyms do not belong in logs"
        assert "storage_error" in logs

        # Those who used /wis left nothing at once; after the purge nobody has left anything.
        leftovers = b"".join(artifacts(database).values())
        assert not [c for c in erased if c.key.encode() in leftovers]
        purged = await store.purge_expired(clock + 10 * RETENTION)
        assert purged == len(live)
        leftovers = b"".join(artifacts(database).values())
        assert not [c for c in canaries if c.key.encode() in leftovers]
        assert b'"node"' not in leftovers  # no session state of anyone remains
        counts = await store.weekly_counts(1, now=datetime.fromtimestamp(clock, UTC))
        assert sum(count.n for count in counts) > SESSIONS  # the anonymous counts stay


async def test_the_telegram_transport_keeps_no_identity_in_the_database_or_logs(
    tmp_path, captured_logs
):
    """End to end through PTB, the conversation service and SQLite, against the fake Bot API."""
    from tests.fakes.bot_api import TOKEN, FakeBotApi, FakeUser
    from tests.fakes.running_bot import bot_settings, running_bot

    canaries = [Canary.number(500 + n) for n in range(6)]
    async with FakeBotApi() as api:
        settings = bot_settings(api, tmp_path, flows_dir=SHIPPED_FLOWS,
                                WEGWIJZER_SECRET_KEY=SECRET_KEY.decode())
        configure_logging(level="DEBUG", log_format="json", secrets=settings.secrets,
                          stream=captured_logs)
        store = SqliteStore(settings.database, retention_seconds=RETENTION)
        async with running_bot(settings, store):
            for index, canary in enumerate(canaries):
                user = FakeUser(api, canary.user_id, first_name=canary.first_name,
                                last_name=canary.last_name, username=canary.username,
                                language_code="nl")
                await user.start()
                await user.press(FakeUser.labels(user.last_bot_message())[0])
                await user.send(canary.texts[0])
                await user.send("ik word bedreigd")
                await user.send(canary.texts[1])
                await user.send("/taal en")
                if index % 2:
                    await user.send("/wis")
        files = artifacts(settings.database)
    logs = captured_logs.getvalue()
    assert logs.count('"event": "update_handled"') >= len(canaries) * 6
    assert hits({**files, "logs": logs.encode()}, canaries) == []
    assert TOKEN.split(":")[1] not in logs
    kept = [c for c in canaries if c.key.encode() in b"".join(files.values())]
    assert [canaries.index(c) for c in kept] == [0, 2, 4]  # only those who did not /wis

    async with SqliteStore(settings.database, retention_seconds=RETENTION) as reopened:
        assert await reopened.integrity_check() == ["ok"]
        assert await reopened.purge_expired(time.time() + 2 * RETENTION) == 3
    leftovers = b"".join(artifacts(settings.database).values())
    assert not [c for c in canaries if c.key.encode() in leftovers]
