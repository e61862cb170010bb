"""Replies as Bot API calls; Telegram's errors as the named outcomes of `bot.errors`.

One attempt per call: the rate limiter only paces (it retries nothing, `max_retries=0`) and
`bot.delivery` alone decides what to retry.

sendMessage and editMessageText go through `Bot.do_api_request`, PTB's public way to make a raw
call, and still pass the rate limiter. `Bot.send_message` would turn the message Telegram echoes
back into PTB objects, which cost 0.1-0.3 ms of CPU per reply (a guide node's text and keyboard)
and are never read: only the new message's id is. PTB warns when do_api_request is used for a
method it wraps; that one warning, for these two methods and getUpdates (`bot.telegram.polling`)
only, is silenced below (and in pyproject.toml for the tests). tests/test_telegram_messenger.py
fails if the raw result ever stops carrying the message id.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.errors import Blocked, NotModified, Refused, RetryLater, Unreachable
from bot.flow.session import Reply

Json = dict[str, Any]
warnings.filterwarnings("ignore", message=r"Please use 'Bot\.(sendMessage|editMessageText|getUpdates)'",
                        category=PTBUserWarning)


def keyboard(reply: Reply) -> Json | None:
    if not reply.buttons:
        return None
    return {"inline_keyboard": [
        [{"text": button.label, "callback_data": button.action} for button in row]
        for row in reply.buttons
    ]}


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def surely_unsent(error: TimedOut) -> bool:
    """A time-out before the request left (no connection, or none free in the pool)."""
    return isinstance(error.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout))


class TelegramMessenger:
    """The `Messenger` of the Telegram transport, for one Bot."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def _call(self, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except RetryAfter as error:
            raise RetryLater(_seconds(error.retry_after)) from error
        except Forbidden as error:
            raise Blocked("the user blocked the bot or left the chat") from error
        except BadRequest as error:
            if "not modified" in str(error).lower():
                raise NotModified("the message already shows this") from error
            raise Refused("Telegram refused the request") from error
        except ChatMigrated as error:
            raise Refused("the chat moved") from error
        except TimedOut:
            raise  # the caller knows whether repeating is safe
        except NetworkError as error:  # 5xx, dropped connections
            raise Unreachable(type(error).__name__) from error

    async def send(self, chat_id: int, reply: Reply) -> int | None:
        parameters: Json = {"chat_id": chat_id, "text": reply.text}
        markup = keyboard(reply)
        if markup is not None:
            parameters["reply_markup"] = markup
        try:
            result = await self._call(self.bot.do_api_request("sendMessage", parameters))
        except TimedOut as error:
            if surely_unsent(error):
                raise Unreachable("no connection") from error
            return None  # it may well have arrived; sending again could show it twice
        return int(result["message_id"])

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        parameters: Json = {"chat_id": chat_id, "message_id": message_id, "text": reply.text}
        markup = keyboard(reply)
        if markup is not None:
            parameters["reply_markup"] = markup
        try:
            await self._call(self.bot.do_api_request("editMessageText", parameters))
        except TimedOut as error:  # an edit is safe to repeat
            raise Unreachable("timed out") from error

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        try:
            await self._call(self.bot.delete_messages(chat_id, list(message_ids)))
        except Refused:
            # Some were too old (48 h) or gone: delete the others one by one.
            for message_id in message_ids:
                try:
                    await self._call(self.bot.delete_message(chat_id, message_id))
                except Refused:
                    continue  # the help text tells users to delete old messages themselves
        except TimedOut as error:
            raise Unreachable("timed out") from error

    async def answer(self, query_id: str) -> None:
        try:
            await self._call(self.bot.answer_callback_query(query_id))
        except TimedOut as error:
            raise Unreachable("timed out") from error
