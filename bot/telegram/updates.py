"""Telegram updates in, `Incoming` events out: the only place that reads an update.

Updates are read as the Bot API's JSON (polling fetches them raw; webhook mode passes PTB's
`Update.to_dict()`, which is the same JSON). PTB's `Bot.get_updates` turns every update into
objects first, including the whole screen a button was pressed on, which Telegram sends back
with each press: most of that is never read. What is read is what the conversation needs,
nothing more: ids to answer and to erase, the language code, the pressed button's data, and
typed text (matched, then dropped). Names, usernames, contacts and media are never looked at.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.commands import event_from_text
from bot.conversation import Incoming
from bot.flow.session import Press

# The kinds of message an update can carry besides a button press (see webhook.ALLOWED_UPDATES).
MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post")

Json = Mapping[str, Any]


def incoming_from(update: Json) -> Incoming | None:
    """The event this update asks the conversation service to answer; None when nothing is."""
    update_id = int(update["update_id"])
    query: Json | None = update.get("callback_query")
    message: Json | None = update.get("message")
    if query is not None:
        shown: Json | None = query.get("message")  # the message whose button was pressed
        chat: Json | None = shown.get("chat") if shown is not None else None
        user: Json | None = query.get("from")
    else:
        carrier = next((update[kind] for kind in MESSAGE_KINDS if update.get(kind)), None)
        chat = carrier.get("chat") if carrier is not None else None
        user = carrier.get("from") if carrier is not None else None
    if chat is None:
        return None
    chat_id = int(chat["id"])
    language = user.get("language_code") if user is not None else None
    query_id = str(query["id"]) if query is not None else None
    if chat.get("type") != "private":
        return Incoming(chat_id, 0, None, language, query_id=query_id, private=False,
                        update_id=update_id)
    if user is None or user.get("is_bot"):
        return None
    user_id = int(user["id"])
    if query is not None:
        # A message too old to show its contents comes with date 0: nothing to edit.
        pressed = shown.get("message_id") if shown is not None and shown.get("date") else None
        return Incoming(chat_id, user_id, Press(str(query.get("data") or "")), language,
                        pressed_id=pressed, query_id=query_id, update_id=update_id)
    if message is not None and isinstance(message.get("text"), str):
        return Incoming(chat_id, user_id, event_from_text(message["text"]), language,
                        message_id=message.get("message_id"),
                        sent_at=datetime.fromtimestamp(int(message["date"]), UTC),
                        update_id=update_id)
    # Photos, stickers, voice, files, locations, contacts, edits: nothing of it is read.
    message_id = message.get("message_id") if message is not None else None
    return Incoming(chat_id, user_id, None, language, message_id=message_id, update_id=update_id)
