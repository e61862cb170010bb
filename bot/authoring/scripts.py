"""Reading conversation scripts: the YAML conversation tests staff write, into `Conversation`s.

The format is described in `bot.authoring.conversations`, which runs them. Every mistake is
named with its file:line and the fix, in Dutch; a file with mistakes runs none of its tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.flow.model import LANGUAGES, Location
from bot.flow.render import AMSTERDAM
from bot.flow.yamlsource import LocatedList, LocatedMap, read_yaml

DEFAULT_TIME = datetime(2026, 12, 2, 12, 0, tzinfo=AMSTERDAM)  # a Wednesday at noon
ACTIONS = ("send", "press")
EXPECTATIONS = ("see", "not_see", "contact", "no_contact", "first_contact", "node")
STEP_KINDS = ACTIONS + EXPECTATIONS
TEST_KEYS = ("name", "language", "time", "steps")


@dataclass(frozen=True, slots=True)
class Step:
    kind: str
    values: tuple[str, ...]
    location: Location

    def __str__(self) -> str:
        shown = self.values[0] if len(self.values) == 1 else "[" + ", ".join(self.values) + "]"
        return f"{self.kind}: {shown}"


@dataclass(frozen=True, slots=True)
class Conversation:
    name: str
    language: str
    now: datetime
    steps: tuple[Step, ...]
    location: Location


@dataclass
class ConversationFile:
    conversations: list[Conversation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _scalar(value: Any) -> str | None:
    if value is None or isinstance(value, LocatedMap | LocatedList | bool):
        return None
    return str(value).strip()


def _clock(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day, 12, 0, tzinfo=AMSTERDAM)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)


def _read_step(data: Any, where: Location, errors: list[str]) -> Step | None:
    if not isinstance(data, LocatedMap) or len(data) != 1:
        errors.append(f"{where.file}:{where.line}: een stap is één regel zoals '- send: /start' "
                      f"of '- see: tekst'; mogelijk zijn: {', '.join(STEP_KINDS)}.")
        return None
    kind, value = next(iter(data.items()))
    key_where = data.key_locations[kind]
    if kind not in STEP_KINDS:
        errors.append(f"{key_where.file}:{key_where.line}: onbekende stap '{kind}'; "
                      f"mogelijk zijn: {', '.join(STEP_KINDS)}.")
        return None
    raw = list(value) if isinstance(value, LocatedList) and kind in ("see", "not_see") else [value]
    values = [_scalar(item) for item in raw]
    if not values or any(not item for item in values):
        errors.append(f"{key_where.file}:{key_where.line}: '{kind}:' heeft een tekst nodig"
                      + (" (of een lijst teksten)." if kind in ("see", "not_see") else "."))
        return None
    return Step(kind, tuple(item for item in values if item), where)


def _read_conversation(data: Any, where: Location, errors: list[str]) -> Conversation | None:
    at = f"{where.file}:{where.line}"
    if not isinstance(data, LocatedMap):
        errors.append(f"{at}: een test begint met '- name:' en heeft 'steps:'.")
        return None
    before = len(errors)
    for key in data:
        if key not in TEST_KEYS:
            key_where = data.key_locations[key]
            errors.append(f"{key_where.file}:{key_where.line}: onbekend veld '{key}' in een test; "
                          f"mogelijk zijn: {', '.join(TEST_KEYS)}.")
    name = _scalar(data.get("name"))
    if not name:
        errors.append(f"{at}: deze test heeft geen 'name:'; geef hem een naam die zegt wat hij toont.")
    language = _scalar(data.get("language", "nl")) or ""
    if language not in LANGUAGES:
        errors.append(f"{at}: language moet {' of '.join(LANGUAGES)} zijn, niet '{language}'.")
    now = _clock(data.get("time", DEFAULT_TIME))
    if now is None:
        errors.append(f"{at}: time '{data.get('time')}' is geen tijdstip; schrijf bijvoorbeeld "
                      '"2026-12-01T03:00:00+01:00".')
    steps_data = data.get("steps")
    if not isinstance(steps_data, LocatedList) or not steps_data:
        errors.append(f"{at}: deze test heeft geen 'steps:' (een lijst stappen).")
        steps_data = LocatedList()
        steps_data.item_locations = []
    steps = [
        _read_step(item, steps_data.item_locations[index], errors)
        for index, item in enumerate(steps_data)
    ]
    if len(errors) > before or name is None or now is None:
        return None
    return Conversation(name, language, now, tuple(s for s in steps if s is not None), where)


def read_test_file(path: Path) -> ConversationFile:
    """The conversations in one YAML file, or the reasons it cannot be read (with file:line)."""
    result = ConversationFile()
    source = read_yaml(path, str(path))
    result.errors += [str(problem) for problem in source.problems]
    if source.data is None:
        return result
    root = source.data
    if isinstance(root, LocatedMap) and "routes" in root and "tests" not in root:
        return result  # a routing test (bot.authoring.routing_tests), not a conversation
    tests = root.get("tests") if isinstance(root, LocatedMap) else None
    if not isinstance(root, LocatedMap) or not isinstance(tests, LocatedList):
        result.errors.append(f"{path}:1: een testbestand begint met 'tests:' en daaronder een lijst "
                             "tests ('- name: ...').")
        return result
    for key in root:
        if key != "tests":
            where = root.key_locations[key]
            result.errors.append(f"{where.file}:{where.line}: onbekend veld '{key}'; een testbestand "
                                 "heeft alleen 'tests:'.")
    for index, item in enumerate(tests):
        conversation = _read_conversation(item, tests.item_locations[index], result.errors)
        if conversation is not None:
            result.conversations.append(conversation)
    return result
