"""The pseudonym: a keyed HMAC-SHA256 of the Telegram id under WEGWIJZER_SECRET_KEY, nothing else."""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
from pathlib import Path

from bot.pseudonym import pseudonym
from bot.store.database import SqliteStore
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import bot_settings, running_bot

USER_ID = 5550123
KEY_A = b"a" * 40
KEY_B = b"b" * 40


def hmac_of(key: bytes, user_id: int) -> str:
    """The expected pseudonym, computed here independently of bot.pseudonym."""
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()


def test_the_pseudonym_is_the_hmac_of_the_id_under_the_given_key() -> None:
    """pseudonym(key, id) is HMAC-SHA256(key, id), so a different key gives an unrelated pseudonym."""
    assert pseudonym(KEY_A, USER_ID) == hmac_of(KEY_A, USER_ID)
    assert pseudonym(KEY_B, USER_ID) == hmac_of(KEY_B, USER_ID)
    assert pseudonym(KEY_A, USER_ID) != pseudonym(KEY_B, USER_ID)


def stored_keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        return {row[0] for row in raw.execute("SELECT key FROM sessions")}


async def test_the_running_bot_keys_sessions_with_the_configured_secret_key(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The key in the database is HMAC(WEGWIJZER_SECRET_KEY, user id); another key gives another row."""
    for name, secret in (("a", KEY_A), ("b", KEY_B)):
        settings = bot_settings(api, tmp_path, WEGWIJZER_SECRET_KEY=secret.decode(),
                                WEGWIJZER_DATABASE=str(tmp_path / f"{name}.sqlite3"))
        store = SqliteStore(settings.database, retention_seconds=3600)
        async with running_bot(settings, store):
            await FakeUser(api, USER_ID).start()
        assert stored_keys(settings.database) == {hmac_of(secret, USER_ID)}
