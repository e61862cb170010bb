"""`wegwijzer doctor`: is this installation ready? One verdict line per check, with the fix.

Runs exactly the start-up checks of `wegwijzer run` (bot.preflight: every setting, the guide, the
database, the webhook port) without changing anything on disk, then asks the Bot API `getMe`.
"Ready." means `run` would start. Exits 1 when any check FAILED. Nothing it
prints contains a secret: values are never echoed, the token URL is never shown, and all output
passes through the same redaction as the logs as a second guard.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bot.heartbeat import describe, heartbeat_path, read_beat
from bot.logs import Redactor
from bot.preflight import Preflight, preflight
from bot.settings import DOTENV, Settings, flags_from, gather, places_from

Status = Literal["ok", "warning", "FAILED"]
BOT_API_TIMEOUT = 5.0  # seconds; a healthy Bot API answers getMe well within this
MAX_DETAILS = 10


@dataclass(frozen=True, slots=True)
class Verdict:
    check: str
    status: Status
    summary: str
    details: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return [f"{self.status:<8} {self.check}: {self.summary}", *(f"         {d}" for d in self.details)]


def settings_verdict(found: Preflight, *, read_dotenv: bool) -> Verdict:
    problems = found.problems.get("settings", [])
    if found.settings is None or problems:
        first, *rest = problems
        return Verdict("settings", "FAILED", first.message, tuple(p.message for p in rest))
    settings = found.settings
    notes = []
    status: Status = "ok"
    if read_dotenv and DOTENV.is_file() and DOTENV.stat().st_mode & 0o077:
        status = "warning"
        notes.append(".env is readable by other users; run `chmod 600 .env`")
    mode = "webhook" if settings.webhook_mode else "polling"
    summary = (f"secret key set, token set, {mode} mode, sessions kept {settings.session_hours:g} h, "
               f"log {settings.log_level} {settings.log_format}")
    return Verdict("settings", status, summary, tuple(notes))


def flows_verdict(found: Preflight) -> Verdict:
    missing = found.problems.get("flows", [])
    if missing or found.guide is None:
        return Verdict("flows", "FAILED", missing[0].message if missing else "the guide was not read")
    result, flows_dir = found.guide, found.flows_dir
    nodes = len(result.guide.nodes) if result.guide is not None else 0
    counted = (f"{len(result.files)} file(s), {nodes} node(s), {len(result.errors)} error(s), "
               f"{len(result.warnings)} warning(s)")
    lines = result.lines()
    shown = tuple(lines[:MAX_DETAILS])
    if len(lines) > MAX_DETAILS:
        shown += (f"... and {len(lines) - MAX_DETAILS} more",)
    if not result.ok:
        return Verdict("flows", "FAILED", f"{flows_dir}: {counted}; the bot will not start. "
                       f"Fix them (`wegwijzer check {flows_dir}` lists them all)", shown)
    version = result.guide.version if result.guide is not None else "?"
    status: Status = "warning" if result.warnings else "ok"
    return Verdict("flows", status, f"{flows_dir}: {counted}, version {version}", shown)


def database_verdict(found: Preflight) -> Verdict:
    problems = found.problems.get("database", [])
    if problems:
        return Verdict("database", "FAILED", problems[0].message)
    return Verdict("database", "ok", found.database_summary)


def listener_verdict(found: Preflight) -> Verdict | None:
    settings = found.settings
    if settings is None or not settings.webhook_mode:
        return None
    problems = found.problems.get("webhook port", [])
    if problems:
        return Verdict("webhook port", "FAILED", problems[0].message)
    return Verdict("webhook port", "ok", f"{settings.webhook_listen}:{settings.webhook_port} is free to listen on")


async def check_bot_api(settings: Settings) -> Verdict:
    import httpx

    if settings.token is None:
        return Verdict("Bot API", "warning", "skipped: no TELEGRAM_BOT_TOKEN set")
    where = settings.api_base_url  # shown without the token, which is part of every request path
    try:
        async with httpx.AsyncClient(timeout=BOT_API_TIMEOUT) as client:
            response = await client.get(f"{settings.api_base_url}/bot{settings.token}/getMe")
    except httpx.TimeoutException:
        return Verdict("Bot API", "FAILED", f"{where} did not answer within "
                       f"{BOT_API_TIMEOUT:g} s; check the network or TELEGRAM_API_BASE_URL")
    except httpx.HTTPError as error:  # its message can hold the URL, so only the class is shown
        return Verdict("Bot API", "FAILED", f"cannot reach {where} ({type(error).__name__}); "
                       "check the network, a proxy or TELEGRAM_API_BASE_URL")
    if response.status_code in (401, 404):
        return Verdict("Bot API", "FAILED", f"{where} refused the token (HTTP "
                       f"{response.status_code}); copy it again from @BotFather or /revoke it "
                       "there and use the new one")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or not body.get("ok"):
        return Verdict("Bot API", "FAILED", f"{where} answered getMe with HTTP "
                       f"{response.status_code}; try again later or check TELEGRAM_API_BASE_URL")
    result = body.get("result") if isinstance(body.get("result"), dict) else {}
    username = result.get("username", "?") if isinstance(result, dict) else "?"
    return Verdict("Bot API", "ok", f"{where} answers getMe as @{username}")


async def diagnose(
    environ: Mapping[str, str] | None = None, flags: Mapping[str, str] | None = None, *, live: bool = False
) -> tuple[list[Verdict], Redactor]:
    """Run `run`'s own start-up checks without changing anything, then ask the Bot API `getMe`.
    With `live`, also read the running bot's heartbeat. Without `environ`, read `.env` and the
    process environment as the bot does."""
    env = gather(flags, environ=environ)
    found = await preflight(env, dry=True)
    verdicts = [settings_verdict(found, read_dotenv=environ is None), flows_verdict(found),
                database_verdict(found)]
    beat = read_beat(heartbeat_path(places_from(env).database)) if live else None
    alive, said = describe(beat)
    listener = listener_verdict(found)
    if listener is not None:
        if live and alive and beat is not None and listener.status == "FAILED" and "already in use" in listener.summary:
            listener = Verdict("webhook port", "ok", f"in use by the running bot (pid {beat.pid})")
        verdicts.append(listener)
    if found.settings is not None:
        verdicts.append(await check_bot_api(found.settings))
    else:
        verdicts.append(Verdict("Bot API", "warning", "skipped until the settings are fixed"))
    if live:
        verdicts.append(Verdict("running bot", "ok" if alive else "FAILED", said))
    secrets = list(found.settings.secrets) if found.settings is not None else []
    secrets += [env.get(key, "") for key in
                ("TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET_TOKEN", "WEGWIJZER_SECRET_KEY")]
    return verdicts, Redactor(secrets)


def render(verdicts: list[Verdict], redact: Redactor) -> str:
    lines = [line for verdict in verdicts for line in verdict.lines()]
    failed = [v.check for v in verdicts if v.status == "FAILED"]
    lines.append("")
    lines.append(f"Not ready: {', '.join(failed)} FAILED." if failed else "Ready.")
    return redact("\n".join(lines)) + "\n"


def main(args: argparse.Namespace) -> int:
    live = bool(getattr(args, "live", False))
    verdicts, redact = asyncio.run(diagnose(flags=flags_from(args), live=live))
    sys.stdout.write(render(verdicts, redact))
    return 1 if any(v.status == "FAILED" for v in verdicts) else 0
