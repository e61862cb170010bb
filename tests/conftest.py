"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.log_events import LogEvents


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """A fresh fake Bot API server on 127.0.0.1 for one test."""
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
def log_events(caplog: pytest.LogCaptureFixture) -> LogEvents:
    """Our log events (name, level, fields) from INFO up; `.at(logging.DEBUG)` for more."""
    return LogEvents(caplog)
