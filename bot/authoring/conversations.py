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
from dataclasses import dataclass
from pathlib import Path

from bot.authoring import FAILED, OK, USAGE_ERROR, clean_guide, flows_dir, say, say_error
from bot.authoring.routing_tests import is_route_file, run_route_files
from bot.authoring.scripts import EXPECTATIONS, Conversation, Step, read_test_file
from bot.commands import event_from_text
from bot.flow.engine import handle
from bot.flow.model import Guide
from bot.flow.session import Event, Outcome, Press, SessionState


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
    guide = clean_guide(folder, "test", exit_code=USAGE_ERROR)
    if isinstance(guide, int):
        return guide
    files = conversation_files(folder, args.files)
    if not files:
        say_error(f"Geen testbestanden gevonden in {folder / 'tests'}; geef bestanden op of maak "
                  "daar een .yaml-bestand met 'tests:'.")
        return USAGE_ERROR
    route_files = [path for path in files if path.is_file() and is_route_file(path)]
    files = [path for path in files if path not in route_files]
    routing = run_route_files(guide, route_files) if route_files else None
    passed, failures, errors = run_files(guide, files)
    for failure in failures:
        say(f"{failure}\n")
    for error in errors:
        say_error(error)
    say(f"{passed + len(failures)} gesprekken in {len(files)} bestand(en): {passed} geslaagd, "
        f"{len(failures)} mislukt" + (f", {len(errors)} fout(en) in de testbestanden." if errors
                                      else "."))
    if routing is not None:
        say("\n".join(routing.lines()))
    if errors or (routing is not None and routing.errors):
        return USAGE_ERROR
    return FAILED if failures or (routing is not None and not routing.ok) else OK
