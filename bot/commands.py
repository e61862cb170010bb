"""The one command table and the one text parser, shared by every transport.

Telegram's command menu, the terminal chat's help line and the staff-written conversation tests
all read `COMMANDS`; every transport turns typed text into an event with `event_from_text`.
Unknown commands stay commands (`/foo` is a `Command("foo")`): the engine answers them, so a
mistyped command never looks like free text and never goes unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.flow.session import Command, Event, Text
from bot.flow.understanding import COMMAND_ALIASES


@dataclass(frozen=True, slots=True)
class CommandInfo:
    name: str
    nl: str  # the menu's description, per language
    en: str
    emergency: bool = False  # never throttled, never delayed


COMMANDS: tuple[CommandInfo, ...] = (
    CommandInfo("start", "Begin (opnieuw)", "Start (again)"),
    CommandInfo("help", "Hoe deze gids werkt en wat hij bewaart",
                "How this guide works and what it keeps"),
    CommandInfo("menu", "Terug naar het begin", "Back to the start"),
    CommandInfo("nood", "Acuut gevaar: 112 en directe hulp",
                "Acute danger: 112 and immediate help", emergency=True),
    CommandInfo("wis", "Verlaten en dit gesprek wissen", "Leave and erase this conversation"),
    CommandInfo("taal", "Language: English / Nederlands", "Taal: Nederlands / English"),
)
EMERGENCY_COMMANDS = frozenset(command.name for command in COMMANDS if command.emergency)
# "/emergency", "/sos" and the other aliases of an emergency command are just as urgent.
EMERGENCY_COMMANDS |= {alias for alias, name in COMMAND_ALIASES.items() if name in EMERGENCY_COMMANDS}


def menu(language: str) -> list[tuple[str, str]]:
    """(name, description) pairs for a command menu in `language` ("nl" or "en")."""
    return [(command.name, command.en if language == "en" else command.nl)
            for command in COMMANDS]


def event_from_text(text: str) -> Event:
    """`/cmd arg` becomes a Command (lower case, a `@botname` suffix dropped), anything else Text."""
    typed = text.strip()
    if typed.startswith("/") and len(typed) > 1:
        head, _, argument = typed[1:].partition(" ")
        name = head.split("@", 1)[0]
        if name:
            return Command(name.lower(), argument.strip())
    return Text(text)
