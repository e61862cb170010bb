"""`wegwijzer run`: the wiring of the Telegram transport.

One factory (`build_application`) builds the python-telegram-bot `Application` for every run
mode and for the end-to-end tests, so the tests drive exactly what production runs. Each update
becomes an `Incoming` event (`bot.telegram.updates`) for the conversation service
(`bot.conversation`), which answers through `TelegramMessenger`. In polling mode our own loop
(`bot.telegram.polling`) fetches updates instead of PTB's Updater, and confirms each to Telegram
only once handled.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from bot import __version__
from bot.commands import menu
from bot.conversation import Conversation
from bot.errors import SettingsError
from bot.flood import FloodGuard
from bot.heartbeat import BEAT_SECONDS, Beat, heartbeat_path, notify_systemd, write_beat
from bot.logs import log_event
from bot.reload import FlowWatcher, GuideHolder, GuideLoader, default_loader, fingerprint
from bot.sessions import Sessions
from bot.settings import Settings, flags_from, gather
from bot.store import SessionStore
from bot.telegram.messenger import TelegramMessenger
from bot.telegram.polling import POLL_TIMEOUT, READ_TIMEOUT, Poller, run_polling
from bot.telegram.updates import incoming_from
from bot.telegram.webhook import ALLOWED_UPDATES, webhook_parameters

# Libraries whose DEBUG output carries whole updates (names, typed text) or request lines; they
# never go below INFO, whatever LOG_LEVEL says.
CHATTY_LOGGERS = ("telegram", "tornado", "apscheduler", "asyncio")
# Libraries that log request URLs (which contain the bot token) or SQL with its parameters
# (aiosqlite logs at INFO too): WARNING at least.
URL_LOGGERS = ("httpx", "httpcore", "hpack", "tornado.access", "aiosqlite")

AnyApplication = Any  # Application[ExtBot[...], ...]: PTB's generics add nothing here


def opt_in_timedelta() -> None:
    """PTB 22 warns on integer time periods unless this opt-in is set (its future default)."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")


@dataclass
class Runtime:
    """What lives as long as the Application: the guide, the sessions and background tasks."""

    settings: Settings
    holder: GuideHolder
    sessions: Sessions
    watcher: FlowWatcher
    conversation: Conversation
    messenger: TelegramMessenger
    mode: str
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    handles_sighup: bool = False
    started: float = field(default_factory=time.time)
    last_update_at: float | None = None  # when any update was last handled (for the heartbeat)
    telegram_ok_at: float | None = None

    async def post_init(self, application: AnyApplication) -> None:
        await self.sessions.open()
        await self._set_commands(application)
        loop = asyncio.get_running_loop()
        # Application.create_task warns before start(); plain loop tasks are cancelled on close.
        self.tasks.append(loop.create_task(self._purge_forever(), name="wegwijzer-purge"))
        self.tasks.append(loop.create_task(self.watcher.run(), name="wegwijzer-reload"))
        self.tasks.append(loop.create_task(
            self.conversation.delivery.deliver_held_forever(self.messenger),
            name="wegwijzer-outbox"))
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            loop.add_signal_handler(signal.SIGHUP, self.watcher.wake.set)
            self.handles_sighup = True
        self.tasks.append(loop.create_task(self._beat_forever(application), name="wegwijzer-heartbeat"))
        log_event("startup", version=__version__, flow=self.holder.guide.version,
                  flows=self.holder.files, count=len(self.holder.guide.nodes), mode=self.mode)
        notify_systemd("READY=1")

    async def post_shutdown(self, application: AnyApplication) -> None:
        if self.handles_sighup:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            self.handles_sighup = False
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.tasks.clear()
        await self.sessions.close()
        notify_systemd("STOPPING=1")
        with contextlib.suppress(OSError):
            heartbeat_path(self.settings.database).unlink(missing_ok=True)
        log_event("shutdown", mode=self.mode)

    async def _set_commands(self, application: AnyApplication) -> None:
        from telegram import BotCommand
        from telegram.error import TelegramError

        for language in ("nl", "en"):
            try:
                await application.bot.set_my_commands(
                    [BotCommand(name, description) for name, description in menu(language)],
                    language_code=None if language == "nl" else language,
                )
            except TelegramError as error:  # the bot works without a command menu
                log_event("telegram_error", level=logging.WARNING, reason=type(error).__name__,
                          method="setMyCommands")

    async def on_update(self, update: Any, context: Any) -> None:
        incoming = incoming_from(update.to_dict())
        if incoming is not None:
            await self.conversation.handle(incoming, self.messenger)
        self.last_update_at = time.time()

    async def beat(self, application: AnyApplication) -> Beat:
        """Ask Telegram getMe, write the heartbeat file and tell systemd's watchdog we are alive."""
        from telegram.error import TelegramError

        try:
            await asyncio.wait_for(application.bot.get_me(), BEAT_SECONDS / 3)
            telegram = "ok"
            self.telegram_ok_at = time.time()
        except (TelegramError, TimeoutError) as error:
            telegram = type(error).__name__
        beat = Beat(beat=time.time(), started=self.started, pid=os.getpid(), mode=self.mode,
                    telegram=telegram, telegram_ok_at=self.telegram_ok_at, last_update_at=self.last_update_at)
        try:
            await asyncio.to_thread(write_beat, heartbeat_path(self.settings.database), beat)
        except OSError as error:
            log_event("storage_error", level=logging.WARNING, reason=type(error).__name__, method="heartbeat")
        notify_systemd("WATCHDOG=1")
        return beat

    async def _beat_forever(self, application: AnyApplication) -> None:
        while True:
            await self.beat(application)
            await asyncio.sleep(BEAT_SECONDS)

    async def on_error(self, update: object, context: Any) -> None:
        """Last line: whatever escaped a handler is logged by class and answered with fallback."""
        from telegram import Update

        error = context.error
        log_event("handler_error", level=logging.ERROR,
                  reason=type(error).__name__ if error is not None else "unknown")
        incoming = incoming_from(update.to_dict()) if isinstance(update, Update) else None
        if incoming is not None:
            await self.conversation.fallback(incoming, self.messenger)

    async def purge_once(self) -> int:
        removed = await self.sessions.purge(time.time())
        if removed >= 0:
            log_event("purge", count=removed)
        return removed

    async def _purge_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.purge_minutes * 60)
            await self.purge_once()


def build_application(
    settings: Settings,
    holder: GuideHolder,
    store: SessionStore,
    *,
    flood: FloodGuard | None = None,
    loader: GuideLoader = default_loader,
) -> AnyApplication:
    """The one Application factory: polling, webhook and the tests all use it."""
    opt_in_timedelta()
    from telegram import Update
    from telegram.ext import AIORateLimiter, ApplicationBuilder, TypeHandler
    from telegram.request import HTTPXRequest

    from bot.telegram.request import JsonRequest

    if not settings.token:
        raise SettingsError("TELEGRAM_BOT_TOKEN is not set; `wegwijzer run` needs it.")
    sessions = Sessions(store, retention_seconds=settings.session_hours * 3600)
    conversation = Conversation(holder, sessions, settings.secret_key, flood=flood)
    watcher = FlowWatcher(holder, settings.flows_dir, loader=loader,
                          interval=settings.reload_seconds)
    api = settings.api_base_url
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .request(JsonRequest(connection_pool_size=8, connect_timeout=5.0, read_timeout=10.0,
                             write_timeout=10.0, pool_timeout=3.0))
        .get_updates_request(HTTPXRequest(connection_pool_size=1, connect_timeout=5.0,
                                          read_timeout=READ_TIMEOUT, write_timeout=10.0,
                                          pool_timeout=3.0))
        # 30 messages/s overall, 20/min per group. It retries nothing: a 429 goes straight back
        # to bot.delivery, which holds that chat's reply in the outbox and goes on with others
        # (the limiter's own retry would make every chat wait out one chat's 429).
        .rate_limiter(AIORateLimiter(max_retries=0))
        .build()
    )
    runtime = Runtime(
        settings=settings, holder=holder, sessions=sessions, watcher=watcher,
        conversation=conversation, messenger=TelegramMessenger(application.bot),
        mode="webhook" if settings.webhook_mode else "polling",
    )
    application.post_init = runtime.post_init
    application.post_shutdown = runtime.post_shutdown
    application.add_handler(TypeHandler(Update, runtime.on_update))
    application.add_error_handler(runtime.on_error)
    application.bot_data["wegwijzer"] = runtime
    return application


def runtime_of(application: AnyApplication) -> Runtime:
    runtime: Runtime = application.bot_data["wegwijzer"]
    return runtime


def make_poller(application: AnyApplication, *, poll_timeout: int | None = None) -> Poller:
    """Our confirm-after-handle getUpdates loop (bot.telegram.polling), in place of PTB's Updater."""
    runtime = runtime_of(application)
    return Poller(application, runtime.conversation, runtime.messenger, runtime.sessions,
                  ALLOWED_UPDATES,
                  poll_timeout=poll_timeout if poll_timeout is not None else POLL_TIMEOUT)


def setup_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Our JSON/text lines with redaction, and libraries kept from printing secrets or data."""
    from bot.logs import configure_logging

    configure_logging(level=settings.log_level, log_format=settings.log_format,
                      secrets=settings.secrets, stream=stream)
    level = logging.getLevelName(settings.log_level)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, level))
    for name in URL_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, level))
    # With max_retries=0 the limiter logs every 429 at ERROR with a traceback; bot.delivery
    # reports it once, as reply_held, so the limiter's own line is only noise.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)


def open_store(settings: Settings) -> SessionStore:
    from bot.store.database import SqliteStore

    return SqliteStore(settings.database, retention_seconds=settings.session_hours * 3600)


def main(args: argparse.Namespace | None = None) -> int:
    """Run the bot until stopped. Before anything reaches Telegram, every setting, the database,
    the guide and the listening socket are checked at once (bot.preflight): any problem there is
    one line each and exit 2; a guide with errors lists them and exits 1; no Telegram exits 1."""
    from bot.preflight import preflight

    found = asyncio.run(preflight(gather(flags_from(args))))
    for problem in found.all_problems:
        print(f"wegwijzer run: {problem}", file=sys.stderr)
    result = found.guide
    if result is not None and not result.ok:
        for line in result.lines():
            print(line, file=sys.stderr)
        print(f"wegwijzer run: the guide in {found.flows_dir} has errors; fix them "
              "(see `wegwijzer check`) and start again.", file=sys.stderr)
    if found.all_problems or found.settings is None:
        return 2
    if result is None or result.guide is None or not result.ok:
        return 1
    settings = replace(found.settings, flows_dir=found.flows_dir)
    setup_logging(settings)
    holder = GuideHolder(result.guide, files=len(fingerprint(settings.flows_dir)))
    application = build_application(settings, holder, open_store(settings))
    from telegram.error import InvalidToken, NetworkError

    try:
        if settings.webhook_mode:
            application.run_webhook(**webhook_parameters(settings))
        else:
            asyncio.run(run_polling(application, make_poller(application),
                                    (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)))
    except InvalidToken:
        print("wegwijzer run: Telegram refused TELEGRAM_BOT_TOKEN; copy it again from "
              "@BotFather.", file=sys.stderr)
        return 1
    except NetworkError as error:
        print(f"wegwijzer run: cannot reach the Bot API at {settings.api_base_url} "
              f"({type(error).__name__}); check the network or TELEGRAM_API_BASE_URL.",
              file=sys.stderr)
        return 1
    return 0
