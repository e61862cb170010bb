"""`wegwijzer run` as an operator starts it: a real process, its exit code and what it prints."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from tests.fakes.bot_api import TOKEN, FakeBotApi, FakeUser
from tests.fakes.running_bot import FIXTURE_GUIDE, SECRET_KEY

PYTHON = sys.executable


async def read_until(stream: asyncio.StreamReader, event: str, seen: list[str],
                     within: float = 30.0) -> None:
    """Read log lines into `seen` until one is the JSON line of `event`."""
    async def scan() -> None:
        while True:
            line = (await stream.readline()).decode()
            assert line, f"the bot stopped before logging {event}"
            seen.append(line)
            if line.startswith("{") and json.loads(line).get("event") == event:
                return

    await asyncio.wait_for(scan(), within)


def clean_env(**values: str) -> dict[str, str]:
    """Only what a fresh shell has, plus `values`: no settings leak in from the test run."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "SYSTEMROOT"}}
    return {**keep, "PYTHONUNBUFFERED": "1", **values}


def run(tmp_path: Path, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "bot", "run"], cwd=tmp_path, env=clean_env(**values),
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_run_without_a_token_prints_one_clear_line_and_exits_non_zero(tmp_path: Path) -> None:
    """No TELEGRAM_BOT_TOKEN: one line on how to get one (and `wegwijzer chat`), no traceback."""
    result = run(tmp_path, WEGWIJZER_SECRET_KEY=SECRET_KEY)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert "BotFather" in lines[0]
    assert "wegwijzer chat" in lines[0]
    assert result.stdout == ""


def test_run_without_a_secret_key_names_the_key_and_how_to_make_one(tmp_path: Path) -> None:
    """`wegwijzer run` without a secret key exits 2 with one line naming the key, no traceback."""
    result = run(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "WEGWIJZER_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_a_malformed_token_never_echoes_it(tmp_path: Path) -> None:
    """A malformed token stops `wegwijzer run` (exit 2) without the token appearing in the output."""
    result = run(tmp_path, WEGWIJZER_SECRET_KEY=SECRET_KEY,
                 TELEGRAM_BOT_TOKEN="not-a-token-but-secret-Xq9")
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "secret-Xq9" not in result.stderr + result.stdout


def test_run_reads_settings_from_dotenv(tmp_path: Path) -> None:
    """A .env in the working directory counts; here its webhook half is incomplete."""
    (tmp_path / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nWEGWIJZER_SECRET_KEY={SECRET_KEY}\n"
        "WEBHOOK_URL=https://bot.example.org/hook\n"
    )
    result = run(tmp_path)
    assert result.returncode == 2
    assert "WEBHOOK_SECRET_TOKEN" in result.stderr
    assert TOKEN not in result.stderr


def test_run_with_broken_flows_lists_every_problem_and_exits_1(tmp_path: Path) -> None:
    """Broken flows stop `wegwijzer run` with exit 1 and every problem's file:line."""
    flows = tmp_path / "flows"
    shutil.copytree(FIXTURE_GUIDE, flows)
    guide = flows / "guide.yaml"
    guide.write_text(guide.read_text().replace("goto: dreiging\n", "goto: bestaat_niet\n", 1))
    result = run(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, WEGWIJZER_SECRET_KEY=SECRET_KEY,
                 TELEGRAM_API_BASE_URL="http://127.0.0.1:9")
    assert result.returncode == 1
    assert "guide.yaml:" in result.stderr
    assert "bestaat_niet" in result.stderr
    assert "Traceback" not in result.stderr



async def test_run_serves_users_reloads_on_sighup_and_stops_cleanly(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """The real process: answers /start, picks up an edited guide on SIGHUP, exits 0 on SIGTERM."""
    flows = tmp_path / "flows"
    shutil.copytree(FIXTURE_GUIDE, flows)
    env = clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN, WEGWIJZER_SECRET_KEY=SECRET_KEY,
        TELEGRAM_API_BASE_URL=api.base_url, WEGWIJZER_FLOWS_DIR=str(flows),
        WEGWIJZER_DATABASE=str(tmp_path / "bot.sqlite3"), LOG_FORMAT="json",
        WEGWIJZER_RELOAD_SECONDS="3600",  # only SIGHUP reloads in this test
    )
    process = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    seen: list[str] = []  # log lines read while the bot runs
    try:
        user = FakeUser(api)
        first = await asyncio.wait_for(user.start(), 30)
        assert "Welkom. Wat is uw rol?" in first

        guide = flows / "guide.yaml"
        guide.write_text(guide.read_text().replace("Welkom. Wat is uw rol?",
                                                   "Goedendag. Wat is uw rol?"))
        process.send_signal(signal.SIGHUP)
        assert process.stderr is not None
        await read_until(process.stderr, "flow_reload_ok", seen)
        assert "Goedendag. Wat is uw rol?" in await user.start()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    log = stdout.decode() + "".join(seen) + stderr.decode()
    events = [json.loads(line)["event"] for line in log.splitlines() if line.startswith("{")]
    assert "startup" in events
    assert "flow_reload_ok" in events
    assert TOKEN.split(":")[1] not in log
    assert "Traceback" not in log


async def test_run_with_a_token_telegram_refuses_says_so_without_the_token(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """A well-formed but wrong token: one line to copy it again, exit 1, token not shown."""
    wrong = "987654321:AAHwrongTokenThatTelegramRefuses-99999"
    process = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bot", "run", cwd=tmp_path,
        env=clean_env(TELEGRAM_BOT_TOKEN=wrong, WEGWIJZER_SECRET_KEY=SECRET_KEY,
                      TELEGRAM_API_BASE_URL=api.base_url,
                      WEGWIJZER_FLOWS_DIR=str(FIXTURE_GUIDE), LOG_FORMAT="json",
                      WEGWIJZER_DATABASE=str(tmp_path / "bot.sqlite3")),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    output = stdout.decode() + stderr.decode()
    assert process.returncode == 1
    assert "refused TELEGRAM_BOT_TOKEN" in output
    assert "wrongTokenThatTelegramRefuses" not in output
    assert "Traceback" not in output


def test_run_when_the_bot_api_is_unreachable_says_so(tmp_path: Path) -> None:
    """An unreachable Bot API gives exit 1 and a one-line reason without the token."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    result = run(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, WEGWIJZER_SECRET_KEY=SECRET_KEY,
                 TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{closed_port}",
                 WEGWIJZER_FLOWS_DIR=str(FIXTURE_GUIDE), LOG_FORMAT="json",
                 WEGWIJZER_DATABASE=str(tmp_path / "bot.sqlite3"))
    assert result.returncode == 1
    assert "cannot reach the Bot API" in result.stderr
    assert "Traceback" not in result.stderr
    assert TOKEN.split(":")[1] not in result.stderr + result.stdout


async def test_run_in_webhook_mode_registers_the_secret_and_answers(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """WEBHOOK_URL selects webhook mode: setWebhook with the secret, then updates are served."""
    from tests.fakes.running_bot import WEBHOOK_SECRET, webhook_env

    hook = webhook_env()
    process = await asyncio.create_subprocess_exec(
        PYTHON, "-m", "bot", "run", cwd=tmp_path,
        env=clean_env(TELEGRAM_BOT_TOKEN=TOKEN, WEGWIJZER_SECRET_KEY=SECRET_KEY,
                      TELEGRAM_API_BASE_URL=api.base_url,
                      WEGWIJZER_FLOWS_DIR=str(FIXTURE_GUIDE), LOG_FORMAT="json",
                      WEGWIJZER_DATABASE=str(tmp_path / "bot.sqlite3"), **hook),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        await api.wait_for(lambda c: c.method == "setWebhook" and c.ok, within=30)
        assert api.webhook == {"url": hook["WEBHOOK_URL"], "secret_token": WEBHOOK_SECRET}
        # PTB listens before it calls setWebhook, so the first update is served at once.
        answer = await asyncio.wait_for(FakeUser(api).start(), 30)
        assert "Wat is uw rol?" in answer
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    log = stdout.decode() + stderr.decode()
    assert process.returncode == 0, log
    assert '"mode": "webhook"' in log
    assert WEBHOOK_SECRET not in log
