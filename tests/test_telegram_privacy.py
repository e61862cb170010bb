"""At DEBUG level, a whole conversation leaves no token, id, name, username or typed text in logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import remove_logging
from bot.pseudonym import pseudonym
from bot.telegram.app import CHATTY_LOGGERS, URL_LOGGERS, setup_logging
from tests.fakes.bot_api import STICKER, TOKEN, FakeBotApi, FakeUser
from tests.fakes.running_bot import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    bot_settings,
    running_bot,
    webhook_env,
)
from tests.log_events import LogEvents

CANARY_ID = 7700112233
CANARY_TEXT = "ik word bedreigd door Zwartekraai"
CANARY_ADDRESS = "mijn adres is Kanarieweg 12"



@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    level, raise_exceptions = root.level, logging.raiseExceptions
    yield
    remove_logging()
    root.setLevel(level)
    logging.raiseExceptions = raise_exceptions
    for name in (*CHATTY_LOGGERS, *URL_LOGGERS):
        logging.getLogger(name).setLevel(logging.NOTSET)


def forbidden_strings() -> list[str]:
    return [
        TOKEN, TOKEN.split(":")[1], SECRET_KEY, WEBHOOK_SECRET,
        str(CANARY_ID), hex(CANARY_ID), format(CANARY_ID, "x"),
        "Cornelia", "Kanarieveld", "canary_kanarie",
        "Zwartekraai", "Kanarieweg", CANARY_TEXT, CANARY_ADDRESS,
        pseudonym(SECRET_KEY.encode(), CANARY_ID),  # the session key is not for logs either
    ]


async def converse(api: FakeBotApi) -> None:
    user = FakeUser(api, CANARY_ID, first_name="Cornelia", last_name="Kanarieveld",
                    username="canary_kanarie")
    await user.start()
    await user.press("Burgemeester")
    await user.send(CANARY_TEXT)
    await user.send(CANARY_ADDRESS)
    await user.share(STICKER)
    await user.send("/taal en")
    await user.press("Leave and erase")


@pytest.mark.parametrize("mode", ["polling", "webhook"])
@pytest.mark.usefixtures("restore_logging")
async def test_debug_logs_of_a_whole_conversation_hold_no_personal_data_or_secrets(
    api: FakeBotApi, tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    """Neither the operator's log output nor the raw log records name the user or the token."""
    extra = webhook_env() if mode == "webhook" else {}
    settings = bot_settings(api, tmp_path, LOG_LEVEL="DEBUG", LOG_FORMAT="json", **extra)
    output = io.StringIO()
    setup_logging(settings, stream=output)
    caplog.set_level(logging.DEBUG)
    async with running_bot(settings):
        await converse(api)
    api.fail_next("getMe", 500)  # a failing start-up is logged too; it must stay clean
    with pytest.raises(Exception):  # noqa: B017, PT011 - any NetworkError subclass will do
        async with running_bot(settings):
            pass

    written = output.getvalue()
    assert '"event": "update_handled"' in written, "the conversation was not logged at all"
    raw = LogEvents(caplog).text()
    for secret in forbidden_strings():
        assert secret not in written, f"{secret!r} reached the log output"
        assert secret not in raw, f"{secret!r} reached a log record"
