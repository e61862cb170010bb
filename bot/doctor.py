"""`wegwijzer doctor`: is this installation ready? One verdict line per check, with the fix.

Checks settings, the flows, the database (integrity, schema version, size, safety settings) and,
when a token is set, that the Bot API answers `getMe`. Exits 1 when any check FAILED. Nothing it
prints contains a secret: values are never echoed, the token URL is never shown, and all output
passes through the same redaction as the logs as a second guard.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bot.errors import StorageError
from bot.logs import Redactor
from bot.settings import DOTENV, Settings, flags_from, gather, places_from, resolve
from bot.store import SCHEMA_VERSION
from bot.store.database import SqliteStore

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


def check_settings(env: Mapping[str, str], *, read_dotenv: bool) -> tuple[Verdict, Settings | None]:
    settings, problems = resolve(env)
    if settings is None:
        first, *rest = problems
        return Verdict("settings", "FAILED", first.message, tuple(p.message for p in rest)), None
    notes = []
    status: Status = "ok"
    if settings.token is None:
        status = "warning"
        notes.append("TELEGRAM_BOT_TOKEN is not set: `wegwijzer run` needs it "
                     "(`wegwijzer chat` works without)")
    if read_dotenv and DOTENV.is_file() and DOTENV.stat().st_mode & 0o077:
        status = "warning"
        notes.append(".env is readable by other users; run `chmod 600 .env`")
    mode = "webhook" if settings.webhook_mode else "polling"
    summary = (f"secret key set, token {'set' if settings.token else 'not set'}, {mode} mode, "
               f"sessions kept {settings.session_hours:g} h, log {settings.log_level} "
               f"{settings.log_format}")
    return Verdict("settings", status, summary, tuple(notes)), settings


def check_flows(flows_dir: Path) -> Verdict:
    from bot.flow.loader import load_guide

    if not flows_dir.is_dir():
        return Verdict("flows", "FAILED", f"the folder {flows_dir} does not exist; set "
                       "WEGWIJZER_FLOWS_DIR to the folder with the guide's YAML files")
    result = load_guide(flows_dir)
    nodes = len(result.guide.nodes) if result.guide is not None else 0
    counted = (f"{len(result.files)} file(s), {nodes} node(s), {len(result.errors)} error(s), "
               f"{len(result.warnings)} warning(s)")
    shown = tuple(str(problem) for problem in result.problems[:MAX_DETAILS])
    if len(result.problems) > MAX_DETAILS:
        shown += (f"... and {len(result.problems) - MAX_DETAILS} more",)
    if not result.ok:
        return Verdict("flows", "FAILED", f"{flows_dir}: {counted}; the bot will not start. "
                       f"Fix them (`wegwijzer check {flows_dir}` lists them all)", shown)
    version = result.guide.version if result.guide is not None else "?"
    status: Status = "warning" if result.warnings else "ok"
    return Verdict("flows", status, f"{flows_dir}: {counted}, version {version}", shown)


async def check_database(path: Path) -> Verdict:
    existed = await asyncio.to_thread(path.exists)
    store = SqliteStore(path, retention_seconds=0)
    try:
        await store.open()
        try:
            integrity = await store.integrity_check()
            version = await store.schema_version()
            safety = await store.durability()
            sessions = await store.session_count()
        finally:
            await store.close()
    except StorageError as error:
        return Verdict("database", "FAILED", str(error))
    size = _size(store.file_size())
    created = "" if existed else " (created now)"
    if integrity != ["ok"]:
        return Verdict(
            "database", "FAILED",
            f"{path}{created}: integrity check found problems; stop the bot, move the file (and "
            "its -wal and -shm) aside and start again with an empty database",
            tuple(integrity[:MAX_DETAILS]),
        )
    summary = (f"{path}{created}: integrity ok, schema version {version} of {SCHEMA_VERSION}, "
               f"{size}, {sessions} live session(s), journal {safety.get('journal_mode')}, "
               f"secure_delete {'on' if safety.get('secure_delete') == 1 else 'OFF'}")
    return Verdict("database", "ok", summary)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


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
    environ: Mapping[str, str] | None = None, flags: Mapping[str, str] | None = None
) -> tuple[list[Verdict], Redactor]:
    """Run every check. Without `environ`, read `.env` and the process environment as the bot does."""
    env = gather(flags, environ=environ)
    settings_verdict, settings = check_settings(env, read_dotenv=environ is None)
    verdicts = [settings_verdict]
    places = places_from(env)  # still checks what can be checked when the settings are not valid
    flows_dir, database = places.flows_dir, places.database
    verdicts.append(await asyncio.to_thread(check_flows, flows_dir))
    verdicts.append(await check_database(database))
    if settings is not None:
        verdicts.append(await check_bot_api(settings))
    else:
        verdicts.append(Verdict("Bot API", "warning", "skipped until the settings are fixed"))
    secrets = list(settings.secrets) if settings is not None else []
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
    verdicts, redact = asyncio.run(diagnose(flags=flags_from(args)))
    sys.stdout.write(render(verdicts, redact))
    return 1 if any(v.status == "FAILED" for v in verdicts) else 0
