"""`wegwijzer test`: conversation tests that network staff write in YAML, run by the real engine.

A test reads like a transcript: send /start, see the question, press a button by its label, see
112 and the Ondersteuningsteam, not see someone else's contact. Every step runs through
`bot.flow.engine.handle` with the test's clock, so opening hours and conditions behave exactly as
in the bot. A failing step names its file:line, what was expected, and the conversation so far.

    tests:
      - name: Burgemeester die bedreigd wordt ziet 112
        language: nl                       # optional, default nl
        time: "2026-12-05 23:30"           # optional, Amsterdam time; default Wed 2 December 2026, 12:00
        steps:
          - send: /start                   # "/" = a command (with argument); else free text
          - see: Wie bent u                # text(s) in the last reply, buttons included
          - press: Burgemeester            # a button of the last reply, by (part of) its label
          - not_see: Henk Bouwmans
          - contact: ondersteuningsteam    # shown / not shown (no_contact) in the last reply
          - first_contact: ondersteuningsteam  # the first contact card of the last reply
          - node: dreiging                 # the last reply shows this node
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.authoring import FAILED, OK, USAGE_ERROR, flows_dir, load_flows, report_problems, say, say_error
from bot.commands import event_from_text
from bot.flow.engine import handle
from bot.flow.model import LANGUAGES, Guide, Location
from bot.flow.render import AMSTERDAM
from bot.flow.session import Event, Outcome, Press, SessionState
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


@dataclass(frozen=True, slots=True)
class Failure:
    conversation: Conversation
    number: int  # 1-based step number
    step: Step
    expected: str
    transcript: tuple[str, ...]

    def __str__(self) -> str:
        lines = [
            f"{self.step.location.file}:{self.step.location.line}: FAILED "
            f"{self.conversation.name}: step {self.number} ({self.step})",
            *(f"  {line}" for line in self.expected.splitlines()),
            "  Gesprek tot nu toe:",
            *(f"    {line}" for line in self.transcript or ("(nog niets)",)),
        ]
        return "\n".join(lines)


@dataclass
class ConversationFile:
    conversations: list[Conversation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------


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


# --- running ---------------------------------------------------------------------------------


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _labels(outcome: Outcome) -> list[tuple[str, str]]:
    return [(button.label, button.action)
            for reply in outcome.replies for row in reply.buttons for button in row]


def _visible_text(outcome: Outcome) -> str:
    return "\n".join([reply.text for reply in outcome.replies]
                     + [label for label, _ in _labels(outcome)])


def _describe_reply(outcome: Outcome) -> list[str]:
    lines: list[str] = []
    for reply in outcome.replies:
        text_lines = reply.text.splitlines() or [""]
        lines.append(f"wegwijzer: {text_lines[0]}")
        lines += [f"           {line}".rstrip() for line in text_lines[1:]]
        labels = [f"[{button.label}]" for row in reply.buttons for button in row]
        if labels:
            lines.append(f"           knoppen: {' '.join(labels)}")
    return lines


def _choose_button(outcome: Outcome, wanted: str) -> tuple[str, str] | str:
    """The (label, action) of the button meant by `wanted`, or why none could be chosen."""
    buttons = _labels(outcome)
    exact = [button for button in buttons if _flat(button[0]) == _flat(wanted)]
    partial = [button for button in buttons if _flat(wanted) in _flat(button[0])]
    chosen = exact or partial
    listed = ", ".join(f"'{label}'" for label, _ in buttons) or "(geen knoppen)"
    if len(chosen) == 1:
        return chosen[0]
    if not chosen:
        return f"Verwacht: een knop met '{wanted}', maar die is er niet.\nKnoppen: {listed}"
    return (f"Verwacht: één knop met '{wanted}', maar {len(chosen)} knoppen passen.\n"
            f"Knoppen: {listed}\nSchrijf meer van het label.")


def _expectation(guide: Guide, step: Step, outcome: Outcome) -> str | None:
    """None when the step's expectation holds for the last reply; else what was expected."""
    text = _flat(_visible_text(outcome))
    if step.kind == "see":
        missing = [value for value in step.values if _flat(value) not in text]
        if missing:
            return ("Verwacht in het laatste antwoord: "
                    + ", ".join(f"'{value}'" for value in missing) + " — staat er niet in.")
    elif step.kind == "not_see":
        present = [value for value in step.values if _flat(value) in text]
        if present:
            return ("Verwacht NIET in het laatste antwoord: "
                    + ", ".join(f"'{value}'" for value in present) + " — staat er wel in.")
    elif step.kind in ("contact", "no_contact", "first_contact"):
        contact = step.values[0]
        if contact not in guide.contacts:
            return (f"Het contact '{contact}' bestaat niet in de gids; bekend zijn: "
                    f"{', '.join(sorted(guide.contacts))}.")
        shown = [tally.name for tally in outcome.tallies if tally.kind == "contact"]
        if step.kind == "contact" and contact not in shown:
            return (f"Verwacht: contact '{contact}' in het laatste antwoord. Getoond: "
                    f"{', '.join(shown) or 'geen contacten'}.")
        if step.kind == "first_contact" and shown[:1] != [contact]:
            return (f"Verwacht: '{contact}' als eerste contact in het laatste antwoord. Volgorde nu: "
                    f"{', '.join(shown) or 'geen contacten'}.")
        if step.kind == "no_contact" and contact in shown:
            return f"Verwacht: contact '{contact}' NIET in het laatste antwoord, maar het staat er."
    elif step.kind == "node":
        node = step.values[0]
        if node not in guide.nodes:
            return f"De stap '{node}' bestaat niet in de gids."
        shown_nodes = [reply.node for reply in outcome.replies if reply.node]
        if node not in shown_nodes:
            return (f"Verwacht: het laatste antwoord toont stap '{node}', maar het toont "
                    f"{', '.join(repr(n) for n in shown_nodes) or 'geen stap'}.")
    return None


def run_conversation(guide: Guide, conversation: Conversation) -> Failure | None:
    """Play the conversation against the engine; the first step that does not hold, if any."""
    state: SessionState | None = None
    last: Outcome | None = None
    transcript: list[str] = []

    def failed(number: int, step: Step, expected: str) -> Failure:
        return Failure(conversation, number, step, expected, tuple(transcript))

    for number, step in enumerate(conversation.steps, start=1):
        if step.kind in EXPECTATIONS:
            if last is None:
                return failed(number, step, "Er is nog niets verstuurd; begin met '- send: /start'.")
            problem = _expectation(guide, step, last)
            if problem is not None:
                return failed(number, step, problem)
            continue
        if step.kind == "press":
            if last is None:
                return failed(number, step, "Er zijn nog geen knoppen; begin met '- send: /start'.")
            choice = _choose_button(last, step.values[0])
            if isinstance(choice, str):
                return failed(number, step, choice)
            label, action = choice
            event: Event = Press(action)
            transcript.append(f"gebruiker: [{label}]")
        else:
            event = event_from_text(step.values[0])
            transcript.append(f"gebruiker: {step.values[0]}")
        try:
            last = handle(guide, state, event, conversation.now, language=conversation.language)
        except Exception as error:  # a crash is a failed step: reported, not raised
            return failed(number, step, f"De gids gaf een interne fout: {type(error).__name__}.")
        state = last.state
        transcript += _describe_reply(last)
    return None


# --- command ---------------------------------------------------------------------------------


def conversation_files(folder: Path, given: Sequence[Path]) -> list[Path]:
    """The files to run: those given (folders are searched), else <flows>/tests/*.yaml."""
    chosen = list(given) or [folder / "tests"]
    files: list[Path] = []
    for path in chosen:
        if path.is_dir():
            files += sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        else:
            files.append(path)
    return files


def run_files(guide: Guide, files: Iterable[Path]) -> tuple[int, list[Failure], list[str]]:
    """(passed count, failures, file errors) for all conversations in the files."""
    passed, failures, errors = 0, [], []
    for path in files:
        if not path.is_file():
            errors.append(f"{path}: bestand niet gevonden.")
            continue
        test_file = read_test_file(path)
        errors += test_file.errors
        for conversation in test_file.conversations:
            failure = run_conversation(guide, conversation)
            if failure is None:
                passed += 1
            else:
                failures.append(failure)
    return passed, failures, errors


def main(args: argparse.Namespace) -> int:
    folder = flows_dir(args)
    result = load_flows(folder, "test")
    if result is None:
        return USAGE_ERROR
    if result.guide is None or not result.ok:
        report_problems(result)
        say_error("De gids heeft fouten (zie hierboven); herstel die eerst (wegwijzer check).")
        return USAGE_ERROR
    files = conversation_files(folder, args.files)
    if not files:
        say_error(f"Geen testbestanden gevonden in {folder / 'tests'}; geef bestanden op of maak "
                  "daar een .yaml-bestand met 'tests:'.")
        return USAGE_ERROR
    passed, failures, errors = run_files(result.guide, files)
    for failure in failures:
        say(f"{failure}\n")
    for error in errors:
        say_error(error)
    say(f"{passed + len(failures)} gesprekken in {len(files)} bestand(en): {passed} geslaagd, "
        f"{len(failures)} mislukt" + (f", {len(errors)} fout(en) in de testbestanden." if errors
                                      else "."))
    if errors:
        return USAGE_ERROR
    return FAILED if failures else OK
