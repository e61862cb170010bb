"""How the conversation service talks back to a user, whatever the transport.

A `Messenger` sends, edits and deletes messages and answers button presses. Each transport
(Telegram in `bot/telegram/messenger.py`, the terminal in `bot/chat.py`) translates its own
errors into the named outcomes of `bot.errors`, so the conversation service decides what to do
with them without knowing where the user is:

- `Unreachable`: the service is down or the connection failed; hold the reply and try later.
- `RetryLater`: the service asked us to wait; hold the reply for that chat and go on with others.
- `Blocked`: the user blocked the bot; forget the session, send nothing more.
- `NotModified`: an edit changes nothing; the message already shows the reply.
- `Refused`: the request itself was refused (too old to edit, deleted); send a new message.

A transport makes one attempt per call. Retrying is the conversation service's job alone
(`bot.delivery`), so there is exactly one retry policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.flow.session import Reply


class Messenger(Protocol):
    async def send(self, chat_id: int, reply: Reply) -> int | None:
        """Send a new message; its id, or None when it may have arrived but we cannot know."""

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        """Replace a message's text and buttons in place."""

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Delete messages of this chat (the user's and ours); raises when some could not go."""

    async def answer(self, query_id: str) -> None:
        """Stop the spinner on a pressed button."""
