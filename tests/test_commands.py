"""The one text parser and the one command table that every transport uses."""

from __future__ import annotations

import pytest

from bot.commands import COMMANDS, EMERGENCY_COMMANDS, event_from_text, menu
from bot.flow.engine import COMMANDS as ENGINE_COMMANDS
from bot.flow.session import Command, Text


@pytest.mark.parametrize(("typed", "event"), [
    ("/start online", Command("start", "online")),
    ("/Taal  en ", Command("taal", "en")),
    ("/wis@WegwijzerBot", Command("wis")),
    ("/emergency", Command("emergency")),  # unknown commands reach the engine as commands
    ("/foo bar", Command("foo", "bar")),
    ("ik word bedreigd", Text("ik word bedreigd")),
    ("/", Text("/")),
])
def test_typed_text_becomes_a_command_or_text(typed: str, event: object) -> None:
    """Commands keep their argument, lose a @botname, and unknown ones stay commands."""
    assert event_from_text(typed) == event


def test_the_menu_offers_only_commands_the_engine_answers() -> None:
    """Every command in Telegram's menu (both languages) is one the engine knows."""
    assert {command.name for command in COMMANDS} <= set(ENGINE_COMMANDS)
    assert {"nood", "sos", "112", "emergency"} <= EMERGENCY_COMMANDS
    assert [name for name, _ in menu("en")] == [name for name, _ in menu("nl")]
    assert all(description for language in ("nl", "en") for _, description in menu(language))
