"""`wegwijzer doctor`: a verdict per check, the fix with every failure, and no secret in sight."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.cli import main as wegwijzer
from bot.doctor import diagnose, render
from bot.store import SCHEMA_VERSION
from tests.fakes.bot_api import TOKEN, FakeBotApi

SHIPPED_FLOWS = Path(__file__).resolve().parents[1] / "flows"
SECRET_KEY = "doctor-test-secret-key-0123456789-abcdefghijkl"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {
        "WEGWIJZER_SECRET_KEY": SECRET_KEY,
        "WEGWIJZER_FLOWS_DIR": str(SHIPPED_FLOWS),
        "WEGWIJZER_DATABASE": str(tmp_path / "wegwijzer.sqlite3"),
    }


async def report(environ: dict[str, str]) -> tuple[dict[str, str], str]:
    verdicts, redact = await diagnose(environ)
    return {v.check: v.status for v in verdicts}, render(verdicts, redact)


async def test_a_valid_setup_with_a_token_is_ready(env):
    """Settings, the shipped flows and a new database are ok, and getMe answers: Ready."""
    async with FakeBotApi() as api:
        statuses, text = await report({**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url})
    assert statuses == {"settings": "ok", "flows": "ok", "database": "ok", "Bot API": "ok"}
    assert "does not exist yet; `wegwijzer run` creates it" in text
    assert text.rstrip().endswith("Ready.")
    assert SECRET_KEY not in text


async def test_without_a_token_doctor_is_not_ready_because_run_would_not_start(env, tmp_path):
    """No TELEGRAM_BOT_TOKEN: `run` exits 2, so doctor fails settings and does not say Ready."""
    statuses, text = await report(env)
    assert statuses["settings"] == "FAILED"
    assert "TELEGRAM_BOT_TOKEN is not set" in text
    assert "Ready." not in text.replace("Not ready", "")
    assert text.rstrip().endswith("Not ready: settings FAILED.")


def test_doctor_changes_nothing_on_disk(env, tmp_path):
    """Doctor reads: it creates no database (and leaves no probe file) where `run` would create one."""
    before = sorted(tmp_path.rglob("*"))
    asyncio.run(report(env))
    assert sorted(tmp_path.rglob("*")) == before
    assert not Path(env["WEGWIJZER_DATABASE"]).exists()


def test_an_existing_database_is_read_as_it_is(env):
    """A database `run` made is checked for integrity and version, and not changed by doctor."""
    with sqlite3.connect(env["WEGWIJZER_DATABASE"]) as raw:
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("CREATE TABLE sessions (key TEXT PRIMARY KEY)")
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    raw.close()
    before = Path(env["WEGWIJZER_DATABASE"]).read_bytes()
    statuses, text = asyncio.run(report(env))
    assert statuses["database"] == "ok"
    assert f"integrity ok, schema version {SCHEMA_VERSION}, " in text
    assert "0 live session(s), journal wal" in text
    assert Path(env["WEGWIJZER_DATABASE"]).read_bytes() == before


async def test_with_a_token_the_bot_api_must_answer_get_me(env):
    """With a token set, doctor calls getMe once and reports the bot's name without the token."""
    async with FakeBotApi() as api:
        statuses, text = await report(
            {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url})
        assert [call.method for call in api.calls] == ["getMe"]
    assert statuses["Bot API"] == "ok"
    assert "answers getMe as @wegwijzer_test_bot" in text
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text


async def test_a_refused_token_fails_with_the_fix_and_without_the_token(env):
    """A token the Bot API refuses fails the check with the BotFather fix and without the token."""
    async with FakeBotApi(token="42:AAHsomeOtherTokenThanTheOneConfigured-0123") as api:
        statuses, text = await report(
            {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url})
    assert statuses["Bot API"] == "FAILED"
    assert "refused the token (HTTP 401); copy it again from @BotFather" in text
    assert TOKEN.split(":")[1] not in text
    assert "Not ready: Bot API FAILED." in text


async def test_an_unreachable_bot_api_fails_without_showing_the_token_url(env):
    """An unreachable Bot API fails the check, naming the base URL but not the token URL."""
    async with FakeBotApi() as api:
        closed = api.base_url  # nothing listens here once the server is gone
    statuses, text = await report(
        {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": closed})
    assert statuses["Bot API"] == "FAILED"
    assert f"cannot reach {closed} (ConnectError)" in text
    assert TOKEN.split(":")[1] not in text


async def test_a_broken_flow_fails_and_names_the_problem(env, tmp_path):
    """A broken flow file fails the flows check with its file:line and the check command to run."""
    flows = tmp_path / "flows"
    shutil.copytree(SHIPPED_FLOWS, flows)
    start = flows / "start.yaml"
    start.write_text(start.read_text().replace("goto: menu", "goto: menu_that_is_gone", 1))
    statuses, text = await report({**env, "WEGWIJZER_FLOWS_DIR": str(flows)})
    assert statuses["flows"] == "FAILED"
    assert "menu_that_is_gone" in text
    assert "start.yaml:" in text
    assert f"wegwijzer check {flows}" in text


async def test_a_missing_flows_folder_fails(env, tmp_path):
    """A flows folder that does not exist fails with the setting to change."""
    statuses, text = await report({**env, "WEGWIJZER_FLOWS_DIR": str(tmp_path / "nope")})
    assert statuses["flows"] == "FAILED"
    assert "does not exist; set WEGWIJZER_FLOWS_DIR" in text


async def test_a_missing_secret_fails_but_the_other_checks_still_run(env):
    """A missing secret key fails the settings check while flows, database and Bot API are still checked."""
    del env["WEGWIJZER_SECRET_KEY"]
    statuses, text = await report(env)
    assert statuses == {"settings": "FAILED", "flows": "ok", "database": "ok",
                        "Bot API": "warning"}
    assert "WEGWIJZER_SECRET_KEY is not set" in text


async def test_a_short_secret_is_not_echoed(env):
    """A too-short secret key fails the settings check without the key appearing in the output."""
    short = "tooshort-secret-99"
    statuses, text = await report({**env, "WEGWIJZER_SECRET_KEY": short})
    assert statuses["settings"] == "FAILED"
    assert short not in text


def damage(path: str) -> None:
    Path(path).write_bytes(b"garbage, not sqlite" * 200)


async def test_a_damaged_database_fails_with_what_to_do(env, tmp_path):
    """A file that is not SQLite fails the database check with what to check."""
    damage(env["WEGWIJZER_DATABASE"])
    statuses, text = await report(env)
    assert statuses["database"] == "FAILED"
    assert "(not a SQLite database); check WEGWIJZER_DATABASE" in text


async def test_a_database_from_a_newer_version_fails(env):
    """A database with a newer schema version than this release understands fails the check."""
    with sqlite3.connect(env["WEGWIJZER_DATABASE"]) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    statuses, text = await report(env)
    assert statuses["database"] == "FAILED"
    assert "newer than this Wegwijzer understands" in text


async def test_the_command_exits_0_when_ready_and_1_on_a_failure(env, tmp_path, monkeypatch, capsys):
    """`wegwijzer doctor` exits 0 only with Ready., and 1 with the failed check first."""
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    for key in ("WEBHOOK_URL", "WEBHOOK_SECRET_TOKEN", "LOG_LEVEL", "LOG_FORMAT"):
        monkeypatch.delenv(key, raising=False)
    async with FakeBotApi() as api:
        for key, value in {**env, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.base_url}.items():
            monkeypatch.setenv(key, value)
        assert await asyncio.to_thread(wegwijzer, ["doctor"]) == 0
        assert capsys.readouterr().out.rstrip().endswith("Ready.")

        monkeypatch.delenv("WEGWIJZER_SECRET_KEY")
        assert await asyncio.to_thread(wegwijzer, ["doctor"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED   settings: WEGWIJZER_SECRET_KEY is not set")
