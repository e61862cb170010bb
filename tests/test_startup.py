"""Start-up is all or nothing: `run` checks everything before Telegram hears of it, and says it all at once."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.doctor import diagnose, render
from tests.fakes.bot_api import TOKEN, FakeBotApi
from tests.fakes.running_bot import FIXTURE_GUIDE, SECRET_KEY, WEBHOOK_SECRET
from tests.test_telegram_run import clean_env

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"TELEGRAM_BOT_TOKEN": TOKEN, "WEGWIJZER_SECRET_KEY": SECRET_KEY, "WEGWIJZER_FLOWS_DIR": str(FIXTURE_GUIDE),
        "LOG_FORMAT": "json"}


async def start(cwd: Path, **values: str) -> tuple[int, str, str]:
    """`wegwijzer run` as a process; its exit code, stdout and stderr (it must stop by itself)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd, env=clean_env(PYTHONPATH=str(ROOT), **values),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


@pytest.mark.parametrize("database", ["missing/folder/bot.sqlite3", "a-folder", "/proc/wegwijzer.sqlite3"])
async def test_an_unusable_database_stops_run_before_it_polls(api: FakeBotApi, tmp_path: Path,
                                                               database: str) -> None:
    """A database in a missing folder, a folder, or under /proc: one line naming WEGWIJZER_DATABASE, exit 2,
    and not a single call to Telegram (no polling from memory)."""
    (tmp_path / "a-folder").mkdir()
    code, stdout, stderr = await start(tmp_path, **GOOD, TELEGRAM_API_BASE_URL=api.base_url,
                                       WEGWIJZER_DATABASE=database)
    assert code == 2, stderr
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith("wegwijzer run: WEGWIJZER_DATABASE: ")
    assert "Traceback" not in stderr
    assert stdout == ""
    assert api.calls == []


async def test_a_taken_port_stops_run_before_set_webhook(api: FakeBotApi, tmp_path: Path) -> None:
    """Webhook mode with the port in use: one line naming WEBHOOK_PORT, exit 2, and no setWebhook call."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, stderr = await start(
            tmp_path, **GOOD, TELEGRAM_API_BASE_URL=api.base_url, WEGWIJZER_DATABASE="bot.sqlite3",
            WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_PORT=str(port), WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET)
    assert code == 2, stderr
    assert stderr == (f"wegwijzer run: WEBHOOK_PORT: port {port} on 127.0.0.1 is already in use (is another "
                      "Wegwijzer or server running?); stop it or choose another WEBHOOK_PORT.\n")
    assert api.calls_to("setWebhook", ok=None) == []
    assert api.calls == []


async def test_a_listen_address_that_is_not_one_is_one_line(tmp_path: Path) -> None:
    """WEBHOOK_LISTEN=not.an.ip: one line naming the key and the fix, no traceback."""
    code, _, stderr = await start(tmp_path, **GOOD, WEGWIJZER_DATABASE="bot.sqlite3",
                                  WEBHOOK_URL="https://bot.example.org/hook", WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET,
                                  WEBHOOK_LISTEN="not.an.ip")
    assert code == 2
    assert stderr.splitlines() == ["wegwijzer run: WEBHOOK_LISTEN must be an IP address of this machine, such as "
                                   "127.0.0.1 behind a reverse proxy, or 0.0.0.0 (got 'not.an.ip')."]


async def test_an_unedited_env_example_names_every_missing_key_at_once(tmp_path: Path) -> None:
    """`cp .env.example .env` and nothing else: both missing keys in one go, exit 2, nothing created."""
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    shutil.copytree(ROOT / "flows", tmp_path / "flows")
    code, _, stderr = await start(tmp_path)
    assert code == 2
    lines = stderr.splitlines()
    assert len(lines) == 2, stderr
    assert lines[0].startswith("wegwijzer run: WEGWIJZER_SECRET_KEY is not set")
    assert lines[1].startswith("wegwijzer run: TELEGRAM_BOT_TOKEN is not set")
    assert not (tmp_path / "wegwijzer.sqlite3").exists()


async def test_every_problem_comes_in_one_go(tmp_path: Path) -> None:
    """A bad setting, a missing guide folder and an unusable database: three lines, one run."""
    code, _, stderr = await start(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, WEGWIJZER_SECRET_KEY=SECRET_KEY,
                                  WEGWIJZER_SESSION_HOURS="zes", WEGWIJZER_FLOWS_DIR="geen-gids",
                                  WEGWIJZER_DATABASE="geen-map/bot.sqlite3")
    assert code == 2
    keys = [line.removeprefix("wegwijzer run: ").split()[0].rstrip(":") for line in stderr.splitlines()]
    assert keys == ["WEGWIJZER_SESSION_HOURS", "WEGWIJZER_FLOWS_DIR", "WEGWIJZER_DATABASE"], stderr


@pytest.mark.parametrize(("values", "key"), [
    ({"WEBHOOK_URL": "https://bot.example.org:8080/hook", "WEBHOOK_SECRET_TOKEN": WEBHOOK_SECRET}, "WEBHOOK_URL"),
    ({"WEBHOOK_SECRET_TOKEN": WEBHOOK_SECRET}, "WEBHOOK_SECRET_TOKEN"),
    ({"WEGWIJZER_SESSION_HOURS": "1e999"}, "WEGWIJZER_SESSION_HOURS"),
    ({"WEGWIJZER_PURGE_MINUTES": "nan"}, "WEGWIJZER_PURGE_MINUTES"),
])
async def test_webhook_rules_and_odd_numbers_are_refused_by_name(tmp_path: Path, values: dict[str, str],
                                                                 key: str) -> None:
    """A webhook port Telegram does not post to, a secret without a webhook, an endless number: one line each."""
    code, _, stderr = await start(tmp_path, **GOOD, WEGWIJZER_DATABASE="bot.sqlite3", **values)
    assert code == 2
    assert stderr.count("\n") == 1, stderr
    assert stderr.startswith(f"wegwijzer run: {key}")
    assert WEBHOOK_SECRET not in stderr


def missing_folder_message(command: str, tmp_path: Path) -> str:
    env = clean_env(PYTHONPATH=str(ROOT), WEGWIJZER_FLOWS_DIR="weg")
    done = subprocess.run([sys.executable, "-m", "bot", command], cwd=tmp_path, env=env, input="",
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, (command, done.stderr)
    return done.stderr.strip()


def test_a_missing_flows_folder_is_worded_the_same_by_every_command(tmp_path: Path) -> None:
    """chat, check and test say the same Dutch sentence naming WEGWIJZER_FLOWS_DIR; run says it in English."""
    said = {command: missing_folder_message(command, tmp_path) for command in ("chat", "check", "test", "run")}
    sentence = said["check"].removeprefix("wegwijzer check: ")
    assert "WEGWIJZER_FLOWS_DIR" in sentence
    assert said["chat"] == f"wegwijzer chat: {sentence}"
    assert said["test"] == f"wegwijzer test: {sentence}"
    assert "wegwijzer run: WEGWIJZER_FLOWS_DIR: the guide's folder weg does not exist" in said["run"]


async def test_doctor_says_not_ready_for_a_taken_port_with_the_same_line_as_run(tmp_path: Path) -> None:
    """Doctor runs run's own checks: the taken port fails there with the very same sentence."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with FakeBotApi() as api:
            verdicts, redact = await diagnose({
                **GOOD, "TELEGRAM_API_BASE_URL": api.base_url, "WEGWIJZER_DATABASE": str(tmp_path / "db"),
                "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook", "WEBHOOK_PORT": str(port),
                "WEBHOOK_SECRET_TOKEN": WEBHOOK_SECRET})
    text = render(verdicts, redact)
    assert f"FAILED   webhook port: WEBHOOK_PORT: port {port} on 127.0.0.1 is already in use" in text
    assert text.rstrip().endswith("Not ready: webhook port FAILED.")


def env_example_keys() -> list[str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    return [line.split("=", 1)[0] for line in lines if line and not line.startswith("#") and "=" in line]


@pytest.mark.parametrize("key", env_example_keys())
async def test_no_value_of_any_setting_makes_the_checks_raise(tmp_path: Path, key: str) -> None:
    """Every key of .env.example, given odd values, ends in verdicts, never in an exception."""
    from bot.preflight import preflight

    for value in ("", " ", "-1", "0", "1e999", "nan", "abc", "é", "http://", "99999999999", "0.0.0.0:1"):
        found = await preflight({**GOOD, "WEGWIJZER_DATABASE": str(tmp_path / "db"), key: value}, dry=True)
        for problem in found.all_problems:
            assert "\n" not in problem.message
            assert problem.message.startswith(problem.key) or problem.key in problem.message
