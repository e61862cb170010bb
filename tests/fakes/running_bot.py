"""Run the real bot — the Application built by `bot.telegram.app.build_application` — against the fake.

`running_bot` does what `wegwijzer run` does (post_init, start, poll with `bot.telegram.polling.Poller`
or serve a webhook, stop, shutdown, post_shutdown) without taking over the event loop or
installing signal handlers.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.flood import FloodGuard
from bot.flow.loader import load_guide
from bot.flow.model import Guide
from bot.reload import GuideHolder, fingerprint
from bot.settings import Settings, load_settings
from bot.store import MemoryStore, SessionStore
from bot.telegram.app import (
    Runtime,
    build_application,
    make_poller,
    runtime_of,
    webhook_parameters,
)
from bot.telegram.polling import Poller
from tests.fakes.bot_api import TOKEN, FakeBotApi

TESTS = Path(__file__).resolve().parents[1]
FIXTURE_GUIDE = TESTS / "fixtures" / "telegram" / "guide"
SHIPPED_FLOWS = TESTS.parent / "flows"
SECRET_KEY = "wegwijzer-test-secret-key-0123456789-abcdefghijklmnop"
WEBHOOK_SECRET = "hook-Secret_token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def bot_settings(api: FakeBotApi, tmp_path: Path, *, flows_dir: Path = FIXTURE_GUIDE,
                 **env: str) -> Settings:
    """Settings as `wegwijzer run` would read them, pointed at the fake Bot API."""
    values = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "WEGWIJZER_SECRET_KEY": SECRET_KEY,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "WEGWIJZER_FLOWS_DIR": str(flows_dir),
        "WEGWIJZER_DATABASE": str(tmp_path / "wegwijzer.sqlite3"),
        **env,
    }
    return load_settings(values, require_token=True)


def webhook_env() -> dict[str, str]:
    """Webhook mode with the bot's server on a free local port (no TLS proxy in between)."""
    port = free_port()
    return {"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram-hook", "WEBHOOK_PORT": str(port),
            "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_SECRET_TOKEN": WEBHOOK_SECRET}


def guide_from(flows_dir: Path) -> Guide:
    result = load_guide(flows_dir)
    assert result.guide is not None, "\n".join(str(p) for p in result.problems)
    return result.guide


@dataclass
class RunningBot:
    application: Any
    runtime: Runtime
    store: SessionStore
    settings: Settings
    poller: Poller | None = None  # None in webhook mode
    polling: asyncio.Task[None] | None = None  # cancel it to crash the bot mid-update


@asynccontextmanager
async def running_bot(
    settings: Settings,
    store: SessionStore | None = None,
    *,
    flood: FloodGuard | None = None,
    guide: Guide | None = None,
) -> AsyncIterator[RunningBot]:
    store = store if store is not None else MemoryStore()
    holder = GuideHolder(guide or guide_from(settings.flows_dir),
                         files=len(fingerprint(settings.flows_dir)))
    application = build_application(settings, holder, store, flood=flood)
    runtime = runtime_of(application)
    try:
        await application.initialize()
    except Exception:
        # PTB's shutdown() skips a bot whose getMe failed, leaving its HTTP clients open.
        await application.bot.shutdown()
        raise
    try:
        await application.post_init(application)
        await application.start()
        poller = None if settings.webhook_mode else make_poller(application, poll_timeout=2)
        polling = None
        if poller is None:
            await application.updater.start_webhook(**webhook_parameters(settings))
        else:
            polling = asyncio.get_running_loop().create_task(poller.run())
        try:
            yield RunningBot(application, runtime, store, settings, poller, polling)
        finally:
            if poller is not None and polling is not None:
                poller.stop()
                with contextlib.suppress(asyncio.CancelledError):  # a test's "crash"
                    await polling
            else:
                await application.updater.stop()
            await application.stop()
    finally:
        await application.shutdown()
        await application.post_shutdown(application)
