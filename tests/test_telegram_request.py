"""Replies go to the Bot API as JSON bodies (`bot.telegram.request`), and its failures keep their names.

The JSON body is PTB's own `RequestData.json_payload` through its public `BaseRequest`; if a PTB
upgrade changes either, these tests fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.errors import Blocked, RetryLater, Unreachable
from bot.flow.session import Button, Reply
from bot.telegram.messenger import TelegramMessenger, surely_unsent
from bot.telegram.request import JsonRequest
from tests.fakes.bot_api import TOKEN, FakeBotApi, FakeUser
from tests.fakes.running_bot import SHIPPED_FLOWS, bot_settings, running_bot

CHAT = 5550401
REPLY = Reply("Bel bij acuut gevaar 112. Wat is er gebeurd? – “citaat” & <tekst>",
              ((Button("Burgemeester", "o:start:0:ab"),), (Button("Acuut gevaar: 112", "g:sos"),)))


def json_request(**overrides: float) -> JsonRequest:
    settings = {"connection_pool_size": 2, "connect_timeout": 2.0, "read_timeout": 2.0,
                "write_timeout": 2.0, "pool_timeout": 1.0, **overrides}
    size = int(settings.pop("connection_pool_size"))
    return JsonRequest(connection_pool_size=size, **settings)


@pytest.fixture
async def messenger(api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TelegramMessenger]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with Bot(TOKEN, base_url=f"{api.base_url}/bot", request=json_request()) as bot:
        yield TelegramMessenger(bot)


async def test_the_running_bot_sends_its_screens_as_json(api: FakeBotApi, tmp_path: Path) -> None:
    """/start and a press: the screen arrives whole (text, buttons), sent as application/json."""
    async with running_bot(bot_settings(api, tmp_path, flows_dir=SHIPPED_FLOWS)):
        user = FakeUser(api)
        await user.start()
        assert "Burgemeester" in user.labels(user.last_bot_message())
        await user.press("Burgemeester")
    replies = api.calls_to("sendMessage") + api.calls_to("editMessageText")
    assert replies
    assert {call.body_type for call in replies} == {"application/json"}
    assert all("112" in call.params["text"] for call in replies)


async def test_text_with_quotes_dashes_and_markup_arrives_unchanged(api, messenger) -> None:
    """Characters JSON must escape (quotes, <, &, non-ASCII) reach Telegram exactly as written."""
    message_id = await messenger.send(CHAT, REPLY)
    sent = api.calls_to("sendMessage")[-1]
    assert sent.params["text"] == REPLY.text
    assert sent.params["chat_id"] == CHAT
    assert [row[0]["callback_data"] for row in sent.params["reply_markup"]["inline_keyboard"]] == [
        "o:start:0:ab", "g:sos"]
    await messenger.edit(CHAT, int(message_id or 0), Reply("Waar gaat het over?"))
    assert api.calls_to("editMessageText")[-1].params["message_id"] == message_id


@pytest.mark.parametrize(("status", "description", "outcome"), [
    (429, None, RetryLater),
    (403, "Forbidden: bot was blocked by the user", Blocked),
    (502, "Bad Gateway", Unreachable),
])
async def test_telegrams_refusals_keep_their_names(api, messenger, status, description, outcome) -> None:
    """A 429, 403 or 5xx on a JSON request is the same named outcome as before."""
    api.fail_next("sendMessage", status, retry_after=2 if status == 429 else None,
                  description=description)
    with pytest.raises(outcome):
        await messenger.send(CHAT, REPLY)


async def test_no_free_connection_is_a_time_out_that_surely_did_not_send(api: FakeBotApi) -> None:
    """With the only connection busy, the next call times out in the pool: known not sent."""
    api.fail_next("sendMessage", None, delay=1.0)  # holds the one connection for a second
    async with Bot(TOKEN, base_url=f"{api.base_url}/bot",
                   request=json_request(connection_pool_size=1, pool_timeout=0.1)) as bot:
        slow = asyncio.ensure_future(bot.send_message(CHAT, "eerst"))
        await asyncio.sleep(0.2)
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(CHAT, "daarna")
        assert surely_unsent(raised.value)
        await slow


async def test_a_closed_port_is_a_network_error(unused_tcp_port: int) -> None:
    """Nothing listening: NetworkError, as with PTB's own request class."""
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{unused_tcp_port}/bot", request=json_request())
    with pytest.raises(NetworkError):
        await bot.initialize()  # getMe, PTB's first call
    await bot.shutdown()
