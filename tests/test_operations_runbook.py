"""docs/operations.md works as written: install → running → token and key rotation, every command run."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fakes.bot_api import TOKEN, FakeBotApi, FakeUser
from tests.fakes.running_bot import FIXTURE_GUIDE, SECRET_KEY
from tests.test_telegram_run import clean_env

ROOT = Path(__file__).resolve().parent.parent
RUNBOOK = ROOT / "docs" / "operations.md"
UNIT = ROOT / "deploy" / "wegwijzer.service"
NEW_TOKEN = "7654321:AAHrotatedTokenForTheRunbookTest-abcdefg"
NEW_KEY = "a-rotated-secret-key-for-the-runbook-test-0123456789"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def documented_commands() -> set[str]:
    """Every `wegwijzer …` and `make …` command in the runbook, in code blocks or inline."""
    text = RUNBOOK.read_text(encoding="utf-8")
    found: set[str] = set()
    for match in re.finditer(r"(?:^|[`\s])(wegwijzer (?:[a-z]+)(?: --?[a-z]+(?: [\w.-]+)?)*)", text, re.M):
        if not match.group(1).startswith("wegwijzer()"):
            found.add(match.group(1).strip())
    found |= {match.group(1) for match in re.finditer(r"(?:^|sudo |`)(make [a-z]+)", text, re.M)}
    found.discard("wegwijzer commands")  # prose: "run `wegwijzer` commands the way the service runs them"
    return found


class Server:
    """The runbook's server in a folder: a settings file, a state directory, and `wegwijzer` run as written."""

    def __init__(self, root: Path, api: FakeBotApi) -> None:
        self.state = root / "var-lib-wegwijzer"
        self.state.mkdir()
        self.flows = root / "flows"
        shutil.copytree(FIXTURE_GUIDE, self.flows)
        self.settings = {"TELEGRAM_BOT_TOKEN": TOKEN, "WEGWIJZER_SECRET_KEY": SECRET_KEY,
                         "WEGWIJZER_DATABASE": str(self.state / "wegwijzer.sqlite3"),
                         "WEGWIJZER_FLOWS_DIR": str(self.flows), "TELEGRAM_API_BASE_URL": api.base_url,
                         "LOG_FORMAT": "json", "PYTHONPATH": str(ROOT)}
        self.root = root
        self.ran: set[str] = set()

    def wegwijzer(self, command: str) -> subprocess.CompletedProcess[str]:
        self.ran.add(command)
        return subprocess.run([sys.executable, "-m", "bot", *command.split()[1:]], cwd=self.root,
                              env=clean_env(**self.settings), capture_output=True, text=True, timeout=120,
                              check=False)

    async def start(self) -> asyncio.subprocess.Process:
        self.ran.add("wegwijzer run")
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=self.root, env=clean_env(**self.settings),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)

    def live_sessions(self) -> int:
        with sqlite3.connect(self.settings["WEGWIJZER_DATABASE"]) as db:
            count = int(db.execute("SELECT count(*) FROM sessions").fetchone()[0])
        db.close()
        return count


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode() + stderr.decode()


async def wait_alive(server: Server) -> None:
    for _ in range(100):
        done = await asyncio.to_thread(server.wegwijzer, "wegwijzer doctor --live")
        if done.returncode == 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(done.stdout)


def test_the_runbook_names_only_commands_this_test_runs() -> None:
    """The list below is what the walk-through runs; a command added to the runbook must be added here."""
    assert documented_commands() == {
        "make setup", "make help", "wegwijzer doctor", "wegwijzer run", "wegwijzer doctor --live",
        "wegwijzer stats --weeks 4", "wegwijzer stats --weeks 4 --format csv",
    }


def test_the_make_commands_of_the_runbook_work() -> None:
    """`make setup` (an up-to-date .venv: nothing to do) and `make help` succeed in the checkout."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    for target in ("setup", "help"):
        done = subprocess.run([make, "--no-print-directory", target], cwd=ROOT, capture_output=True, text=True,
                              timeout=600, check=False)
        assert done.returncode == 0, done.stdout + done.stderr


async def test_install_then_running_then_token_and_key_rotation(tmp_path: Path) -> None:
    """The runbook's walk-through: doctor says Ready., run answers, --live sees it; a new token keeps the
    sessions; a new secret key starts conversations again; the counts survive both."""
    async with FakeBotApi() as api:
        server = Server(tmp_path, api)
        checked = await asyncio.to_thread(server.wegwijzer, "wegwijzer doctor")
        assert checked.returncode == 0, checked.stdout
        assert checked.stdout.rstrip().endswith("Ready.")
        process = await server.start()
        try:
            assert "Wat is uw rol?" in await asyncio.wait_for(FakeUser(api).start(), 30)
            await wait_alive(server)
        finally:
            log = await stop(process)
        assert '"event": "startup"' in log
        counts = await asyncio.to_thread(server.wegwijzer, "wegwijzer stats --weeks 4")
        assert counts.returncode == 0, counts.stderr
        csv = await asyncio.to_thread(server.wegwijzer, "wegwijzer stats --weeks 4 --format csv")
        assert csv.returncode == 0
        assert csv.stdout.startswith("iso_week,")
        assert server.live_sessions() == 1

    # 6. Rotating the bot token: sessions and counts survive.
    async with FakeBotApi(token=NEW_TOKEN) as api:
        server.settings.update(TELEGRAM_BOT_TOKEN=NEW_TOKEN, TELEGRAM_API_BASE_URL=api.base_url)
        # Telegram's update ids go on across a token change; this fresh fake starts at 1 again,
        # which the bot (rightly) takes as already handled. One throwaway update fills that gap.
        await FakeUser(api, user_id=999).send("x", wait=False)
        process = await server.start()
        try:
            await wait_alive(server)
            await asyncio.wait_for(FakeUser(api).send("/help"), 30)
        finally:
            await stop(process)
        assert server.live_sessions() == 1  # the same user, the same session

        # 7. Rotating WEGWIJZER_SECRET_KEY: the same user gets a new, unlinked session.
        server.settings.update(WEGWIJZER_SECRET_KEY=NEW_KEY)
        process = await server.start()
        try:
            await wait_alive(server)
            await asyncio.wait_for(FakeUser(api).send("/help"), 30)
        finally:
            await stop(process)
        assert server.live_sessions() == 2
        after = await asyncio.to_thread(server.wegwijzer, "wegwijzer stats --weeks 4")
        assert after.returncode == 0
        assert after.stdout.count("\n") >= counts.stdout.count("\n")
    assert documented_commands() <= server.ran | {"make setup", "make help"}


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_the_service_unit_is_valid_and_hardened(tmp_path: Path) -> None:
    """deploy/wegwijzer.service passes `systemd-analyze verify` without a warning, and keeps its hardening."""
    text = UNIT.read_text(encoding="utf-8")
    for line in ("User=wegwijzer", "StateDirectory=wegwijzer", "ProtectSystem=strict", "NoNewPrivileges=yes",
                 "MemoryMax=", "Restart=on-failure", "EnvironmentFile=/etc/wegwijzer/wegwijzer.env",
                 "Type=notify", "WatchdogSec=", "RestartPreventExitStatus=2", "CapabilityBoundingSet=\n"):
        assert line in text, line
    # The unit names the install folder; point it at this checkout so ExecStart exists here.
    unit = tmp_path / "wegwijzer.service"
    unit.write_text(text.replace("/opt/wegwijzer", str(ROOT)), encoding="utf-8")
    assert SYSTEMD_ANALYZE is not None
    done = subprocess.run([SYSTEMD_ANALYZE, "verify", str(unit)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert str(unit) not in done.stderr, done.stderr  # an unknown key or a bad value is only a warning
