"""Whole conversations through the real Application, over HTTP, against the fake Bot API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.pseudonym import pseudonym
from bot.store import MemoryStore, SqliteStore
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import (
    SECRET_KEY,
    SHIPPED_FLOWS,
    bot_settings,
    running_bot,
)

ONDERSTEUNINGSTEAM = "070-3738314"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


async def test_start_role_threat_shows_112_and_the_ondersteuningsteam(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The bar: /start, pick a role, type "ik word bedreigd", see 112 and the OT's number."""
    settings = bot_settings(api, tmp_path, flows_dir=SHIPPED_FLOWS)
    async with running_bot(settings):
        user = FakeUser(api)
        first = await user.start()
        assert "Burgemeester" in user.labels(user.last_bot_message())
        assert first
        await user.press("Burgemeester")
        answer = await user.send("ik word bedreigd")
        assert "112" in answer
        assert ONDERSTEUNINGSTEAM in answer


async def test_button_press_edits_the_pressed_message_and_answers_the_query(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """A press answers the callback query and replaces the pressed message in place."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        await user.start()
        before = len(user.bot_messages())
        answer = await user.press("Raadslid")
        assert "Waar gaat het over?" in answer
        assert len(user.bot_messages()) == before
        assert api.calls_to("answerCallbackQuery"), "the phone's spinner must stop"
        assert user.labels(user.last_bot_message())[0] == "Ik word bedreigd"


async def test_leave_and_erase_deletes_every_message_of_the_chat(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The quick exit deletes the user's and the bot's messages and forgets the session."""
    store = SqliteStore(tmp_path / "erase.sqlite3", retention_seconds=3600)
    settings = bot_settings(api, tmp_path)
    async with running_bot(settings, store):
        user = FakeUser(api)
        await user.start()
        await user.press("Burgemeester")
        await user.send("ik word bedreigd")
        await user.send("hallo?")
        seen = {m["message_id"] for m in user.log.visible()}
        assert len(seen) >= 6
        key = pseudonym(SECRET_KEY.encode(), user.user["id"])
        assert await store.load(key, time.time()) is not None
        answer = await user.press("Verlaten en wissen")
        assert "Gewist" in answer
        remaining = user.log.visible()
        assert [m["text"] for m in remaining] == [answer], user.transcript()
        assert seen <= user.log.deleted
        assert await store.session_count() == 0


async def test_group_message_gets_private_only_once_and_no_session(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """In a group the bot says once that it only talks in private, and keeps nothing."""
    store = SqliteStore(tmp_path / "group.sqlite3", retention_seconds=3600)
    group = {"id": -1001234567890, "type": "supergroup", "title": "Raad van Testdorp"}
    async with running_bot(bot_settings(api, tmp_path), store):
        member = FakeUser(api, 5550002, chat=group)
        answer = await member.send("/start")
        assert "privégesprek" in answer
        await member.send("ik word bedreigd", wait=False)
        await api.settle()
        bot_texts = [m["text"] for m in member.bot_messages()]
        assert bot_texts == [answer]
        assert await store.session_count() == 0


@pytest.mark.parametrize("content", ["sticker", "photo", "voice", "document", "location"])
async def test_unsupported_content_gets_a_short_answer(
    api: FakeBotApi, tmp_path: Path, content: str
) -> None:
    """Stickers, photos, voice, files and locations are not processed; the user is told why."""
    from tests.fakes import bot_api

    shared = {"sticker": bot_api.STICKER, "photo": bot_api.PHOTO, "voice": bot_api.VOICE,
              "document": bot_api.DOCUMENT, "location": bot_api.LOCATION}[content]
    store = MemoryStore()
    async with running_bot(bot_settings(api, tmp_path), store):
        user = FakeUser(api)
        answer = await user.share(shared)
        assert "alleen knoppen en tekst" in answer
        assert store.sessions == {}


async def test_edited_message_is_not_processed(api: FakeBotApi, tmp_path: Path) -> None:
    """An edit to an earlier message is not matched or kept; the user gets the short answer."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        await user.start()
        await user.send("hallo")
        answer = await user.edit_last("ik word bedreigd")
        assert "alleen knoppen en tekst" in answer
        assert "070-3738314" not in answer


async def test_english_telegram_user_starts_in_english(api: FakeBotApi, tmp_path: Path) -> None:
    """The Telegram app language picks the first language of the guide."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api, language_code="en-GB")
        answer = await user.start()
        assert "What is your role?" in answer


async def test_commands_are_registered_in_dutch_and_english(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """setMyCommands lists /start /help /menu /nood /wis /taal for Dutch and English."""
    async with running_bot(bot_settings(api, tmp_path)):
        pass
    names = ["start", "help", "menu", "nood", "wis", "taal"]
    assert [c["command"] for c in api.commands[""]] == names
    assert [c["command"] for c in api.commands["en"]] == names
    assert api.commands["en"][0]["description"] != api.commands[""][0]["description"]
