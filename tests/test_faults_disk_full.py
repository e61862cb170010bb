"""A full disk under the real bot: every update is still answered, and service recovers.

The store is the real `SqliteStore` on a real file; "full" is SQLite's own SQLITE_FULL ("database
or disk is full"), made by capping the file at the pages it has (`PRAGMA max_page_count`), as a
disk with no free block would. The bot is the real Application against the fake Bot API.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store.database import SqliteStore
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import SHIPPED_FLOWS, bot_settings, running_bot
from tests.fakes.store import ConnectionTap

USERS = 12
FILLER = "test-filler-"


def rows(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        query = "SELECT count(*) FROM sessions WHERE key NOT LIKE 'test-filler-%'"
        return int(db.execute(query).fetchone()[0])
    finally:
        db.close()


async def test_every_update_is_answered_while_the_disk_is_full_and_service_recovers(
    api: FakeBotApi, tmp_path: Path
) -> None:
    """With the disk full every update is still answered; once space returns, sessions are saved again."""
    settings = bot_settings(api, tmp_path, flows_dir=SHIPPED_FLOWS)
    disk = ConnectionTap()
    store = SqliteStore(settings.database, retention_seconds=3600, connector=disk,
                        writer_connector=disk.writer)
    users = [FakeUser(api, 7_100_000 + n) for n in range(USERS)]
    async with running_bot(settings, store):
        await users[0].start()  # one session on disk before it fills up
        await disk.fill_disk(FILLER)

        answers = [await user.start() for user in users]
        answers += [await user.press(FakeUser.labels(user.last_bot_message())[0]) for user in users]
        assert len(answers) == 2 * USERS
        assert all(answer.strip() for answer in answers)
        assert not any("Er ging iets mis" in answer for answer in answers), "fallback instead of the guide"
        assert rows(settings.database) <= 1, "nothing new fitted on the full disk"

        await disk.free_disk()
        after = [await user.press(FakeUser.labels(user.last_bot_message())[0]) for user in users]
        assert all(answer.strip() for answer in after)
    # Once space returned, each session was written back on its next update.
    assert rows(settings.database) == USERS
