"""Is the bot alive and answering, seen from outside: the heartbeat file, `doctor --live`, systemd's watchdog."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import sys
from pathlib import Path

from bot.doctor import diagnose, render
from bot.heartbeat import STALE_AFTER, Beat, describe, heartbeat_path, notify_systemd, read_beat, write_beat
from tests.fakes.bot_api import TOKEN, FakeBotApi, FakeUser
from tests.fakes.running_bot import FIXTURE_GUIDE, SECRET_KEY
from tests.test_telegram_run import clean_env


def a_beat(**changes: object) -> Beat:
    values: dict[str, object] = {"beat": 1000.0, "started": 900.0, "pid": 4242, "mode": "polling",
                                 "telegram": "ok", "telegram_ok_at": 1000.0, "last_update_at": 990.0}
    values.update(changes)
    return Beat(**values)  # type: ignore[arg-type]  # the test builds it field by field on purpose


def test_a_fresh_beat_is_alive_and_a_stale_or_missing_one_is_not(tmp_path: Path) -> None:
    """Fresh and Telegram answering: alive; three beats missed, Telegram silent or no file: not."""
    path = tmp_path / "db.heartbeat"
    write_beat(path, a_beat())
    assert path.stat().st_mode & 0o777 == 0o600
    beat = read_beat(path)
    assert beat == a_beat()
    assert describe(beat, now=1010.0) == (True, "alive (pid 4242, polling, beat 10 s ago, Telegram answers); "
                                                "last update handled 20 s ago")
    assert describe(beat, now=1000.0 + STALE_AFTER + 1)[0] is False
    assert describe(a_beat(telegram="NetworkError"), now=1001.0)[0] is False
    assert describe(read_beat(tmp_path / "none"))[0] is False


def test_the_heartbeat_holds_no_user_data(tmp_path: Path) -> None:
    """Only times, a pid, the mode and Telegram's state: the keys are fixed and none names a user."""
    path = tmp_path / "db.heartbeat"
    write_beat(path, a_beat())
    assert set(json.loads(path.read_text())) == {"beat", "started", "pid", "mode", "telegram", "telegram_ok_at",
                                                 "last_update_at"}


def test_systemd_is_told_when_it_asked(tmp_path: Path, monkeypatch) -> None:
    """With NOTIFY_SOCKET set, READY=1 / WATCHDOG=1 reach that socket; without it nothing is sent."""
    address = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(address)
        monkeypatch.setenv("NOTIFY_SOCKET", address)
        assert notify_systemd("WATCHDOG=1")
        assert listener.recv(100) == b"WATCHDOG=1"
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert not notify_systemd("WATCHDOG=1")


async def test_doctor_live_sees_the_running_bot_and_then_that_it_stopped(api: FakeBotApi, tmp_path: Path) -> None:
    """A real `wegwijzer run`: its heartbeat makes `doctor --live` say alive; after SIGTERM it is gone."""
    database = tmp_path / "bot.sqlite3"
    values = {"TELEGRAM_BOT_TOKEN": TOKEN, "WEGWIJZER_SECRET_KEY": SECRET_KEY, "TELEGRAM_API_BASE_URL": api.base_url,
              "WEGWIJZER_FLOWS_DIR": str(FIXTURE_GUIDE), "WEGWIJZER_DATABASE": str(database), "LOG_FORMAT": "json"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=clean_env(**values),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await asyncio.wait_for(FakeUser(api).start(), 30)
        for _ in range(100):
            if heartbeat_path(database).exists():
                break
            await asyncio.sleep(0.1)
        verdicts, redact = await diagnose(values, live=True)
        text = render(verdicts, redact)
        assert f"ok       running bot: alive (pid {process.pid}, polling" in text
        assert text.rstrip().endswith("Ready.")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.communicate(), 30)
    assert not heartbeat_path(database).exists()
    verdicts, redact = await diagnose(values, live=True)
    assert "FAILED   running bot: no heartbeat" in render(verdicts, redact)
