"""Bot API updates, as raw JSON, become the events the conversation answers (and nothing else)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Update

from bot.flow.session import Press, Text
from bot.telegram.updates import incoming_from

USER = {"id": 5550501, "is_bot": False, "first_name": "Piet", "username": "piet_v",
        "language_code": "en"}
PRIVATE = {"id": 5550501, "type": "private", "first_name": "Piet"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Raad"}
SENT = 1_800_000_000


def message(chat: dict[str, Any] = PRIVATE, **content: Any) -> dict[str, Any]:
    return {"message_id": 41, "from": USER, "chat": chat, "date": SENT, **content}


def press(shown: dict[str, Any] | None, data: str = "o:start:0:ab") -> dict[str, Any]:
    query: dict[str, Any] = {"id": "77", "from": USER, "chat_instance": "1", "data": data}
    if shown is not None:
        query["message"] = shown
    return {"update_id": 9, "callback_query": query}


def test_typed_text_becomes_a_text_event_with_its_time() -> None:
    """A private message: its words, the chat, the user's language and when it was sent (UTC)."""
    incoming = incoming_from({"update_id": 7, "message": message(text="ik word bedreigd")})
    assert incoming is not None
    assert incoming.event == Text("ik word bedreigd")
    assert (incoming.chat_id, incoming.user_id, incoming.language_code) == (5550501, 5550501, "en")
    assert incoming.message_id == 41
    assert incoming.sent_at == datetime.fromtimestamp(SENT, UTC)
    assert incoming.update_id == 7


def test_a_press_names_its_button_and_the_message_to_edit() -> None:
    """A button press: its data, the query to answer and the screen it was pressed on."""
    shown = message(text="Wie bent u?")
    incoming = incoming_from(press(shown))
    assert incoming is not None
    assert incoming.event == Press("o:start:0:ab")
    assert (incoming.query_id, incoming.pressed_id, incoming.update_id) == ("77", 41, 9)


def test_a_press_on_a_message_too_old_to_read_is_answered_with_a_new_message() -> None:
    """Telegram sends an inaccessible message with date 0: nothing to edit."""
    incoming = incoming_from(press({"message_id": 41, "chat": PRIVATE, "date": 0}))
    assert incoming is not None
    assert incoming.pressed_id is None
    assert incoming.event == Press("o:start:0:ab")


def test_groups_and_channels_are_told_private_chats_only() -> None:
    """Any chat that is not private gives a not-private event, whatever it carries."""
    for update in ({"update_id": 1, "message": message(GROUP, text="/start")},
                   {"update_id": 2, "channel_post": {"message_id": 3, "chat": GROUP, "date": SENT}},
                   press(message(GROUP, text="x"))):
        incoming = incoming_from(update)
        assert incoming is not None
        assert not incoming.private
        assert incoming.event is None


def test_media_and_edits_are_seen_but_nothing_of_them_is_read() -> None:
    """A photo keeps only its message id (to erase it later); an edit not even that."""
    photo = incoming_from({"update_id": 3, "message": message(photo=[{"file_id": "AgAD"}])})
    assert photo is not None
    assert (photo.event, photo.message_id) == (None, 41)
    edit = incoming_from({"update_id": 4, "edited_message": message(text="ik woon op Kanarieweg 1")})
    assert edit is not None
    assert (edit.event, edit.message_id) == (None, None)


@pytest.mark.parametrize("update", [
    {"update_id": 5, "message": {**message(text="hallo"), "from": {**USER, "is_bot": True}}},
    press(None),  # a press on an inline message: no chat to answer in
    {"update_id": 6, "poll": {"id": "1"}},
])
def test_what_nobody_should_be_answered_for_gives_nothing(update: dict[str, Any]) -> None:
    """Other bots, inline presses and kinds the bot never asked for give no event."""
    assert incoming_from(update) is None


def test_webhook_updates_read_the_same_through_ptb() -> None:
    """Webhook mode passes PTB's Update.to_dict(): the same event as from the raw JSON."""
    for raw in ({"update_id": 7, "message": message(text="/start")},
                press(message(text="Wie bent u?"))):
        assert incoming_from(Update.de_json(raw, None).to_dict()) == incoming_from(raw)
