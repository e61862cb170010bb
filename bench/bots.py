"""The bots a benchmark can run, each as its own process, and the process wrapper around one.

`floor` (bench/floor_bot.py: one message and a keyboard, no state), `wegwijzer` (`wegwijzer run` as
shipped), `wegwijzer-uncapped` (the same `bot.telegram.app.main` without AIORateLimiter's overall
cap of 30 messages/s; see bench/unlimited_run.py) and variants of those with other settings.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

from harness import PYTHON, ROOT, SECRET_KEY, TOKEN, FakeApi, cpu_seconds

BOTS: dict[str, list[str]] = {
    "floor": [PYTHON, str(ROOT / "bench" / "floor_bot.py")],
    "floor-sized": [PYTHON, str(ROOT / "bench" / "floor_bot.py")],
    "floor-capped": [PYTHON, str(ROOT / "bench" / "floor_bot.py")],
    "wegwijzer": [str(ROOT / ".venv" / "bin" / "wegwijzer"), "run"],
    "wegwijzer-uncapped": [PYTHON, str(ROOT / "bench" / "unlimited_run.py")],
}
BOTS["wegwijzer-sync-normal"] = BOTS["wegwijzer-uncapped"]
BOTS["wegwijzer-batched-counts"] = BOTS["wegwijzer-uncapped"]
BOTS["wegwijzer-both"] = BOTS["wegwijzer-uncapped"]
BOTS["wegwijzer-memory"] = BOTS["wegwijzer-uncapped"]
BOTS["wegwijzer-nowrite"] = BOTS["wegwijzer-uncapped"]
BOTS["wegwijzer-nogc"] = BOTS["wegwijzer-uncapped"]
BOTS["wegwijzer-idle-thread"] = BOTS["wegwijzer-uncapped"]
# Profiling: `wegwijzer-uncapped` with py-spy attached during each measured phase (see e2e.py).
BOTS["wegwijzer-profiled"] = BOTS["wegwijzer-uncapped"]
BOT_ENV = {"floor-sized": {"FLOOR_TEXT_CHARS": "1100", "FLOOR_BUTTONS": "6"},
           "floor-capped": {"FLOOR_RATE_LIMIT": "1"},
           "wegwijzer-sync-normal": {"BENCH_SYNC_NORMAL": "1"},
           "wegwijzer-batched-counts": {"BENCH_BATCHED_COUNTS": "1"},
           "wegwijzer-both": {"BENCH_SYNC_NORMAL": "1", "BENCH_BATCHED_COUNTS": "1"},
           "wegwijzer-memory": {"BENCH_MEMORY_STORE": "1"},
           "wegwijzer-nowrite": {"BENCH_NO_WRITE": "1"},
           "wegwijzer-nogc": {"BENCH_NO_GC": "1"},
           "wegwijzer-idle-thread": {"BENCH_IDLE_THREAD": "1"}}
# Before/after in one run: `wegwijzer-before` is `wegwijzer-uncapped` from another checkout of the
# code (BENCH_BEFORE_TREE, e.g. a `git worktree` of an older commit sharing this .venv).
BEFORE_TREE = Path(os.environ.get("BENCH_BEFORE_TREE", ROOT))
BOTS["wegwijzer-before"] = [PYTHON, str(BEFORE_TREE / "bench" / "unlimited_run.py")]
PROFILED = frozenset({"wegwijzer-profiled"})


def bot_env(api: FakeApi, workdir: Path, extra: dict[str, str] | None = None,
            name: str = "") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("WEGWIJZER_", "TELEGRAM_", "WEBHOOK_", "LOG_"))}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "WEGWIJZER_SECRET_KEY": SECRET_KEY,
        "WEGWIJZER_DATABASE": str(workdir / "wegwijzer.sqlite3"),
        "WEGWIJZER_FLOWS_DIR": os.environ.get("BENCH_FLOWS_DIR", str(ROOT / "flows")),
        "LOG_LEVEL": "INFO",  # production default: one line per handled update
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
    })
    if name == "wegwijzer-before":
        env["PYTHONPATH"] = str(BEFORE_TREE)
        env["WEGWIJZER_FLOWS_DIR"] = str(BEFORE_TREE / "flows")  # its own guide, as its loader wants it
    env.update(extra or {})
    return env


class Bot:
    """One bot process, its log file and its CPU clock."""

    def __init__(self, name: str, api: FakeApi, workdir: Path, extra_env: dict[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self.command = command or BOTS[name]
        self.env = bot_env(api, workdir, extra_env, name)
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command, env=self.env, cwd=self.workdir,
                                        stdout=log, stderr=log)
        log.close()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def stop(self, grace: float = 15.0) -> int | None:
        """SIGINT (run_polling stops cleanly on it), then SIGKILL after `grace` seconds."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(process.wait, grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        return process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def log_lines(self, word: str) -> int:
        if not self.log_path.exists():
            return 0
        return sum(1 for line in self.log_path.read_text(errors="replace").splitlines() if word in line)


def cpu_split(pid: int) -> dict[str, float]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return {"user": int(fields[11]) / ticks, "system": int(fields[12]) / ticks}
