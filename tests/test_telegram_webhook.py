"""Webhook mode: only requests carrying the right secret header reach a handler."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import WEBHOOK_SECRET, bot_settings, running_bot, webhook_env


def start_update(update_id: int, user_id: int) -> bytes:
    user = {"id": user_id, "is_bot": False, "first_name": "Piet", "language_code": "nl"}
    message = {"message_id": 1, "from": user, "date": int(time.time()), "text": "/start",
               "chat": {"id": user_id, "type": "private", "first_name": "Piet"},
               "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def test_webhook_registers_with_its_secret_and_serves_a_conversation(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """setWebhook carries the secret; Telegram's POSTs with it are handled like polling."""
    settings = bot_settings(api, tmp_path, **webhook_env())
    async with running_bot(settings):
        assert api.webhook == {"url": settings.webhook_url, "secret_token": WEBHOOK_SECRET}
        user = FakeUser(api)
        assert "Wat is uw rol?" in await user.start()
        assert "Waar gaat het over?" in await user.press("Burgemeester")
        assert set(api.webhook_deliveries) == {200}
    assert not api.calls_to("getUpdates", ok=None)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 403),
        ({"X-Telegram-Bot-Api-Secret-Token": "wrong-secret"}, 403),
        ({"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET.upper()}, 403),
        ({"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}, 200),
    ],
    ids=["missing", "wrong", "wrong-case", "right"],
)
async def test_webhook_refuses_requests_without_the_right_secret(
    api: FakeBotApi, tmp_path: Path, headers: dict[str, str], status: int
) -> None:
    """A POST without the secret header or with a wrong one gets 403 and reaches no handler."""
    settings = bot_settings(api, tmp_path, **webhook_env())
    async with running_bot(settings), httpx.AsyncClient() as client:
        response = await client.post(
            settings.webhook_url or "", content=start_update(900, 5550077),
            headers={"Content-Type": "application/json", **headers},
        )
        assert response.status_code == status
        if status == 200:
            call = await api.wait_for(lambda c: c.method == "sendMessage" and c.ok)
            assert call.chat_id == 5550077
        else:
            await api.settle()
            assert not api.calls_to("sendMessage", ok=None)
