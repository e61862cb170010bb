"""Telegram updates in, `Incoming` events out: the only place that reads an Update.

What is read is what the conversation needs, nothing more: ids to answer and to erase, the
language code, the pressed button's data, and typed text (matched, then dropped). Names,
usernames, contacts and media are never looked at.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from bot.commands import event_from_text
from bot.conversation import Incoming
from bot.flow.session import Press


def incoming_from(update: Update) -> Incoming | None:
    """The event this update asks the conversation service to answer; None when nothing is."""
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    language = user.language_code if user is not None else None
    query = update.callback_query
    query_id = query.id if query is not None else None
    if chat.type != ChatType.PRIVATE:
        return Incoming(chat.id, 0, None, language, query_id=query_id, private=False,
                        update_id=update.update_id)
    if user is None or user.is_bot:
        return None
    message = update.message
    if query is not None:
        pressed = query.message.message_id if isinstance(query.message, Message) else None
        return Incoming(chat.id, user.id, Press(query.data or ""), language,
                        pressed_id=pressed, query_id=query_id, update_id=update.update_id)
    if message is not None and message.text is not None:
        return Incoming(chat.id, user.id, event_from_text(message.text), language,
                        message_id=message.message_id, sent_at=message.date,
                        update_id=update.update_id)
    # Photos, stickers, voice, files, locations, contacts, edits: nothing of it is read.
    message_id = message.message_id if message is not None else None
    return Incoming(chat.id, user.id, None, language, message_id=message_id,
                    update_id=update.update_id)
