"""Webhook mode: Telegram posts updates to us instead of being polled."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from bot.settings import Settings

# Telegram updates the bot asks for; everything else (polls, inline queries, ...) never arrives.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "channel_post",
                   "edited_channel_post"]


def webhook_parameters(settings: Settings) -> dict[str, Any]:
    """Arguments for run_webhook/start_webhook. PTB serves plain HTTP on listen:port; put a TLS
    proxy in front that forwards `Content-Type: application/json` unchanged (PTB refuses
    anything else, even with `; charset=utf-8`, with 403)."""
    url = settings.webhook_url or ""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlparse(url).path.lstrip("/"),
        "webhook_url": url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": ALLOWED_UPDATES,
        "drop_pending_updates": False,
    }
