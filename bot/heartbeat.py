"""Is the running bot alive and answering? A heartbeat file, and systemd's watchdog when present.

Every BEAT_SECONDS the running bot asks the Bot API `getMe` and writes one small JSON file next
to the database (`<WEGWIJZER_DATABASE>.heartbeat`, owner-only): when it beat, since when it runs,
its mode, whether Telegram answered and when it last handled an update. No user data: no id, no
name, no text, no count per user. `wegwijzer doctor --live` reads it. Under systemd with
`Type=notify` and `WatchdogSec=`, each beat also tells systemd `WATCHDOG=1`, so a bot whose event
loop hangs is restarted; `READY=1` is sent once the bot has started.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BEAT_SECONDS = 30.0
STALE_AFTER = 3 * BEAT_SECONDS  # three missed beats: not alive


@dataclass(frozen=True, slots=True)
class Beat:
    beat: float  # unix seconds of this beat
    started: float  # unix seconds the bot started
    pid: int
    mode: str  # polling or webhook
    telegram: str  # "ok" when getMe answered at this beat, else the error's class name
    telegram_ok_at: float | None  # the last time Telegram answered
    last_update_at: float | None  # the last time an update was handled (any user; none named)


def heartbeat_path(database: Path) -> Path:
    return Path(f"{database}.heartbeat")


def write_beat(path: Path, beat: Beat) -> None:
    """Replace the heartbeat file in one step (never half written), owner-only."""
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(asdict(beat), out)
    temporary.replace(path)


def read_beat(path: Path) -> Beat | None:
    """The last beat, or None when there is no readable heartbeat file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Beat(**{name: data.get(name) for name in Beat.__dataclass_fields__})
    except (OSError, ValueError, TypeError):
        return None


def notify_systemd(message: str) -> bool:
    """Send `message` (READY=1, WATCHDOG=1, STOPPING=1) to systemd when it asked for it."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    target = "\0" + address[1:] if address.startswith("@") else address
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), target)
    except OSError:
        return False
    return True


def describe(beat: Beat | None, now: float | None = None) -> tuple[bool, str]:
    """(alive and answering, one line for `doctor --live`)."""
    if beat is None:
        return False, "no heartbeat: the bot is not running (or uses another WEGWIJZER_DATABASE)"
    now = time.time() if now is None else now
    age = now - beat.beat
    if age > STALE_AFTER:
        return False, (f"the last heartbeat is {age:.0f} s old (pid {beat.pid}): the bot stopped or hangs; "
                       "see `journalctl -u wegwijzer` and restart it")
    handled = ("no update handled yet" if beat.last_update_at is None
               else f"last update handled {now - beat.last_update_at:.0f} s ago")
    if beat.telegram != "ok":
        return False, (f"running (pid {beat.pid}, {beat.mode}) but Telegram did not answer ({beat.telegram}); "
                       f"{handled}")
    return True, f"alive (pid {beat.pid}, {beat.mode}, beat {age:.0f} s ago, Telegram answers); {handled}"
