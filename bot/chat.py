"""`wegwijzer chat`: the guide in a terminal, through the same engine the Telegram bot uses.

Buttons are numbered: type the number or the label. Commands (/start, /help, /terug, /nood, /wis,
/taal) work as in Telegram; any other text goes through the keyword routes. Works with piped
input, so a conversation can be scripted: `printf '1\\n1\\n' | wegwijzer chat`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TextIO

from bot.flow.engine import handle
from bot.flow.loader import load_guide
from bot.flow.model import Guide
from bot.flow.render import AMSTERDAM
from bot.flow.session import Button, Command, Event, Outcome, Press, SessionState, Start, Text
from bot.settings import places_for

FAILED = 1
CLEAR_SCREEN = "\033[2J\033[H"


def _buttons(outcome: Outcome) -> list[Button]:
    return [button for reply in outcome.replies for row in reply.buttons for button in row]


def show(outcome: Outcome, out: TextIO) -> list[Button]:
    """Print the replies with numbered buttons; return the buttons in their numbering order."""
    buttons = _buttons(outcome)
    for reply in outcome.replies:
        out.write(f"\n{reply.text}\n")
    if buttons:
        out.write("\n")
        for number, button in enumerate(buttons, start=1):
            out.write(f"  {number}. {button.label}\n")
    out.flush()
    return buttons


def event_for(line: str, buttons: list[Button]) -> Event:
    """What a typed line means: a button number or label, a command, or free text."""
    typed = line.strip()
    if typed.isdigit() and 1 <= int(typed) <= len(buttons):
        return Press(buttons[int(typed) - 1].action)
    for button in buttons:
        if typed.casefold() == button.label.casefold():
            return Press(button.action)
    if typed.startswith("/"):
        name, _, argument = typed[1:].partition(" ")
        return Command(name.lower(), argument.strip())
    return Text(typed)


def converse(
    guide: Guide,
    lines: Iterable[str],
    out: TextIO,
    *,
    language: str,
    interactive: bool,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Talk to the guide; `clock` gives the moment for opening hours (default: now, Amsterdam)."""
    now = clock or (lambda: datetime.now(AMSTERDAM))
    state: SessionState | None = None
    outcome = handle(guide, None, Start(), now(), language=language)
    state = outcome.state
    buttons = show(outcome, out)
    for line in lines:
        if not line.strip():
            continue
        if not interactive:
            out.write(f"\n> {line.strip()}\n")
        outcome = handle(guide, state, event_for(line, buttons), now(), language=language)
        if outcome.erase_chat:
            if interactive:
                out.write(CLEAR_SCREEN)
            for reply in outcome.replies:
                out.write(f"{reply.text}\n")
            out.flush()
            return 0
        state = outcome.state
        buttons = show(outcome, out)
        if interactive:
            out.write("> ")
            out.flush()
    out.write("\n")
    return 0


def main(args: argparse.Namespace) -> int:
    flows_dir = places_for(args).flows_dir
    result = load_guide(flows_dir)
    if not result.ok or result.guide is None:
        for problem in result.errors:
            print(problem, file=sys.stderr)
        print(
            f"De gids in '{flows_dir}' heeft fouten; herstel ze eerst (wegwijzer check {flows_dir}).", file=sys.stderr
        )
        return FAILED
    interactive = sys.stdin.isatty()
    at: datetime | None = getattr(args, "at", None)
    if interactive:
        print("Wegwijzer — typ het nummer van een knop, of een vraag. /help voor uitleg, Ctrl-D om te stoppen.")
        print("Acuut gevaar? Bel 112.")
        if at is not None:
            print(f"De gids doet alsof het nu {at:%Y-%m-%d %H:%M} is (Europe/Amsterdam).")
        sys.stdout.write("> ")
    clock = (lambda: at) if at is not None else None
    return converse(result.guide, sys.stdin, sys.stdout, language=args.lang, interactive=interactive, clock=clock)
