"""Whole conversations through the real Application, over HTTP, against the fake Bot API."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.pseudonym import pseudonym
from bot.store import MemoryStore
from bot.store.database import SqliteStore
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import (
    SECRET_KEY,
    SHIPPED_FLOWS,
    bot_settings,
    running_bot,
)
from tests.log_events import LogEvents

ONDERSTEUNINGSTEAM = "070-3738314"



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


@pytest.mark.parametrize(("language", "typed", "number"), [
    ("nl", "ik wil er niet meer zijn", "113"),
    ("nl", "ik wil dood", "113"),
    ("en", "I want to kill myself", "113"),
    ("nl", "iemand met een mes staat bij mijn voordeur", "112"),
    ("en", "someone with a knife is at my front door", "112"),
])
async def test_danger_typed_in_telegram_is_answered_with_the_number_first(
    api: FakeBotApi, tmp_path: Path, language: str, typed: str, number: str
) -> None:
    """Red line 5 through the Telegram transport: typed danger reaches 113 or 112 in the first lines."""
    settings = bot_settings(api, tmp_path, flows_dir=SHIPPED_FLOWS)
    async with running_bot(settings):
        user = FakeUser(api, 5550777, language_code=language)
        await user.start()
        answer = await user.send(typed)
    first_lines = "\n".join(answer.splitlines()[:3])
    assert number in first_lines, answer[:300]


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
        # The spinner stops right after the reply (answered last: see TelegramAdapter.on_update).
        await api.wait_for(lambda c: c.ok and c.method == "answerCallbackQuery", within=2)
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


async def test_deep_link_opens_the_named_entry_point(api: FakeBotApi, tmp_path: Path) -> None:
    """t.me/<bot>?start=nood arrives as "/start nood" and opens the emergency node."""
    async with running_bot(bot_settings(api, tmp_path, flows_dir=SHIPPED_FLOWS)):
        answer = await FakeUser(api).start("nood")
        assert "112" in answer


async def test_button_from_an_old_or_forged_message_is_explained_not_crashed(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """Callback data that fits no node gets the stale-button note above the current node."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        await user.start()
        mark = len(api.calls)
        api.push_callback(user.user, user.last_bot_message(), "o:verdwenen:7:beef")
        call = await api.wait_for(lambda c: c.method in {"sendMessage", "editMessageText"}
                                  and c.ok, after=mark)
        assert "Die knop hoort bij een oud bericht." in call.params["text"]
        assert "Wat is uw rol?" in call.params["text"]


async def test_taal_switches_the_language(api: FakeBotApi, tmp_path: Path) -> None:
    """/taal en answers in English and the buttons switch language too."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        await user.start()
        answer = await user.send("/taal en")
        assert "The language is now English." in answer
        assert "Mayor" in user.labels(user.last_bot_message())


async def test_a_message_delayed_by_an_outage_is_still_answered(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """A message sent half an hour ago (the bot was down) gets a normal answer, not silence."""
    async with running_bot(bot_settings(api, tmp_path)):
        user = FakeUser(api)
        mark = len(api.calls)
        api.push_message(user.user, user.chat, text="/start", date=time.time() - 1800)
        call = await api.wait_for(lambda c: c.method == "sendMessage" and c.ok, after=mark)
        assert "Wat is uw rol?" in call.params["text"]


async def test_erase_deletes_long_conversations_in_batches_of_100(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """deleteMessages takes at most 100 ids; a long chat is erased in several batches."""
    from bot.flood import FloodGuard, FloodLimits

    generous = FloodGuard(FloodLimits(burst=1000))
    async with running_bot(bot_settings(api, tmp_path), flood=generous):
        user = FakeUser(api)
        await user.start()
        for _ in range(60):
            await user.send("hallo", wait=False)
        await api.settle(quiet=0.2)
        assert len(user.log.visible()) == 122
        await user.send("/wis")
        batches = [c.params["message_ids"] for c in api.calls_to("deleteMessages")]
        assert [len(b) for b in batches] == [100, 23]
        assert len(user.log.visible()) == 1  # only "erased" is left


async def test_expired_sessions_are_purged_on_a_timer(
    api: FakeBotApi, tmp_path: Path, log_events: LogEvents
) -> None:
    """The purge task removes idle sessions and logs how many."""
    from bot.flow.session import SessionState
    from bot.store import StoredSession

    store = MemoryStore(retention_seconds=60)
    await store.save("old", StoredSession(SessionState("start"), updated_at=time.time() - 3600))
    await store.save("new", StoredSession(SessionState("start"), updated_at=time.time()))
    settings = bot_settings(api, tmp_path, WEGWIJZER_PURGE_MINUTES="0.01")
    async with running_bot(settings, store):
        for _ in range(50):
            if "old" not in store.sessions:
                break
            await asyncio.sleep(0.05)
    assert set(store.sessions) == {"new"}
    assert log_events.named("purge")[0]["count"] == 1


async def test_a_message_that_waited_long_gets_an_apology_above_the_answer(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """After an outage, a message sent 20 minutes ago is answered with a sorry first; a fresh one is not."""
    async with running_bot(bot_settings(api, tmp_path, flows_dir=SHIPPED_FLOWS)):
        user = FakeUser(api)
        await user.start()
        mark = len(api.calls)
        api.push_message(user.user, user.chat, text="ik word bedreigd", date=time.time() - 20 * 60)
        late = await api.wait_for(lambda c: c.ok and c.method == "sendMessage", after=mark)
        assert str(late.params["text"]).startswith("Sorry dat dit antwoord laat komt.")
        assert ONDERSTEUNINGSTEAM in str(late.params["text"])
        fresh = await user.send("ik word bedreigd")
        assert not fresh.startswith("Sorry")
