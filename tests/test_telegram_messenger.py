"""The Telegram messenger against the fake Bot API: replies go out, errors come back named.

sendMessage and editMessageText go through PTB's `Bot.do_api_request` and read the raw result;
if a PTB upgrade changes what that returns, these tests fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.errors import Blocked, NotModified, Refused, RetryLater, Unreachable
from bot.flow.session import Button, Reply
from bot.telegram.messenger import TelegramMessenger
from tests.fakes.bot_api import TOKEN, FakeBotApi

CHAT = 5550301
REPLY = Reply("Wat is uw rol?", ((Button("Burgemeester", "o:start:0:ab"),),))


@pytest.fixture
async def messenger(api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
                    ) -> AsyncIterator[TelegramMessenger]:
    """A messenger on a plain PTB Bot pointed at the fake, with PTB_TIMEDELTA as `run` sets it."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with Bot(TOKEN, base_url=f"{api.base_url}/bot") as bot:
        yield TelegramMessenger(bot)


async def test_a_sent_reply_carries_its_text_buttons_and_new_message_id(api, messenger) -> None:
    """send returns the id Telegram gave the message; edit replaces it in place."""
    message_id = await messenger.send(CHAT, REPLY)
    assert isinstance(message_id, int)
    sent = api.calls_to("sendMessage")[-1]
    assert sent.result["message_id"] == message_id
    assert sent.params["reply_markup"]["inline_keyboard"][0][0]["text"] == "Burgemeester"
    await messenger.edit(CHAT, message_id, Reply("Waar gaat het over?"))
    assert api.calls_to("editMessageText")[-1].params["message_id"] == message_id


@pytest.mark.parametrize(("status", "description", "outcome"), [
    (429, None, RetryLater),
    (403, "Forbidden: bot was blocked by the user", Blocked),
    (400, "Bad Request: message can't be edited", Refused),
    (500, None, Unreachable),
    (502, "Bad Gateway", Unreachable),
])
async def test_telegrams_errors_come_back_as_named_outcomes(
    api, messenger, status, description, outcome
) -> None:
    """Each kind of refusal is one named outcome under the project's error root."""
    api.fail_next("sendMessage", status, retry_after=3 if status == 429 else None,
                  description=description)
    with pytest.raises(outcome) as raised:
        await messenger.send(CHAT, REPLY)
    if status == 429:
        assert raised.value.seconds == 3  # type: ignore[attr-defined]


async def test_an_edit_that_changes_nothing_is_named_so(api, messenger) -> None:
    """"message is not modified" is NotModified, which delivery treats as done."""
    message_id = await messenger.send(CHAT, REPLY)
    assert message_id is not None
    with pytest.raises(NotModified):
        await messenger.edit(CHAT, message_id, REPLY)
