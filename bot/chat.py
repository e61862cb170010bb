"""`wegwijzer chat`: the guide in a terminal, through the same conversation service as Telegram.

The terminal is a transport like Telegram: each typed line becomes an event for
`bot.conversation.Conversation`, with the in-memory store, the flood guard, the counts and the
log line, and the replies come back through `TerminalMessenger`. So what staff try here is what
Telegram users get. Buttons are numbered: type the number or the label. Commands (/start, /help,
/terug, /nood, /wis, /taal) work as in Telegram; any other text goes through the keyword routes.
Works with piped input, so a conversation can be scripted: `printf '1\\n1\\n' | wegwijzer chat`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TextIO

from bot.authoring import clean_guide, flows_dir
from bot.commands import event_from_text
from bot.conversation import Conversation, Incoming
from bot.flow.model import Guide
from bot.flow.session import Button, Event, Press, Reply, Start
from bot.reload import GuideHolder
from bot.sessions import Sessions
from bot.store import MemoryStore

CLEAR_SCREEN = "\033[2J\033[H"
CHAT_ID = 1  # the one terminal user; it only ever lives in memory
TERMINAL_KEY = b"wegwijzer-terminal-chat-key-not-a-secret-0123456789"  # nothing is kept anyway
FAILED = 1
SECONDS_PER_LINE = 2.0  # the flood guard sees typed lines at a human pace, piped or not


class TerminalMessenger:
    """Replies printed to the terminal; the buttons shown last are numbered for the next line."""

    def __init__(self, out: TextIO, *, interactive: bool) -> None:
        self.out = out
        self.interactive = interactive
        self.buttons: list[Button] = []
        self.erased = False
        self.last_id = 0  # the newest message printed, which a button press "edits"

    def new_turn(self) -> None:
        self.buttons = []

    async def send(self, chat_id: int, reply: Reply) -> int | None:
        self.out.write(f"\n{reply.text}\n")
        self.buttons += [button for row in reply.buttons for button in row]
        self.last_id += 1
        return self.last_id

    async def edit(self, chat_id: int, message_id: int, reply: Reply) -> None:
        await self.send(chat_id, reply)  # a terminal cannot change what it printed

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        self.erased = True
        if self.interactive:
            self.out.write(CLEAR_SCREEN)

    async def answer(self, query_id: str) -> None:
        return None

    def show_buttons(self) -> None:
        if self.buttons:
            self.out.write("\n")
            for number, button in enumerate(self.buttons, start=1):
                self.out.write(f"  {number}. {button.label}\n")
        self.out.flush()


def event_for(line: str, buttons: list[Button]) -> Event:
    """What a typed line means: a button number or label, else what the core parser says."""
    typed = line.strip()
    if typed.isdigit() and 1 <= int(typed) <= len(buttons):
        return Press(buttons[int(typed) - 1].action)
    for button in buttons:
        if typed.casefold() == button.label.casefold():
            return Press(button.action)
    return event_from_text(typed)


class _Steps:
    """A monotonic clock that moves SECONDS_PER_LINE per typed line."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def terminal_conversation(guide: Guide, *, clock: Callable[[], float] = time.time,
                          monotonic: Callable[[], float] = time.monotonic) -> Conversation:
    """The conversation service as the terminal runs it: the in-memory store, nothing on disk."""
    store = MemoryStore()
    sessions = Sessions(store, retention_seconds=store.retention_seconds)
    return Conversation(GuideHolder(guide, files=0), sessions, TERMINAL_KEY, clock=clock,
                        monotonic=monotonic)


async def _converse(guide: Guide, lines: Iterable[str], out: TextIO, *, language: str,
                    interactive: bool, clock: Callable[[], float]) -> int:
    steps = _Steps()
    conversation = terminal_conversation(guide, clock=clock, monotonic=steps)
    messenger = TerminalMessenger(out, interactive=interactive)

    async def say(event: Event) -> None:
        steps.now += SECONDS_PER_LINE
        pressed = messenger.last_id if isinstance(event, Press) and messenger.last_id else None
        messenger.new_turn()
        await conversation.handle(Incoming(CHAT_ID, CHAT_ID, event, language,
                                           pressed_id=pressed), messenger)

    await say(Start())
    messenger.show_buttons()
    for line in lines:
        if not line.strip():
            continue
        if not interactive:
            out.write(f"\n> {line.strip()}\n")
        await say(event_for(line, messenger.buttons))
        if messenger.erased:  # the conversation is forgotten; the next line starts a new one
            messenger.erased = False
        messenger.show_buttons()
        if interactive:
            out.write("> ")
            out.flush()
    out.write("\n")
    return 0


def converse(
    guide: Guide,
    lines: Iterable[str],
    out: TextIO,
    *,
    language: str,
    interactive: bool,
    clock: Callable[[], datetime] | None = None,
) -> int:
    """Talk to the guide; `clock` gives the moment for opening hours (default: now)."""
    wall = (lambda: clock().timestamp()) if clock is not None else time.time
    return asyncio.run(_converse(guide, lines, out, language=language,
                                 interactive=interactive, clock=wall))


def main(args: argparse.Namespace) -> int:
    folder = flows_dir(args)
    guide = clean_guide(folder, "chat")
    if isinstance(guide, int):
        return guide
    interactive = sys.stdin.isatty()
    at: datetime | None = getattr(args, "at", None)
    if interactive:
        print("Wegwijzer — typ het nummer van een knop, of een vraag. /help voor uitleg, Ctrl-D om te stoppen.")
        print("Acuut gevaar? Bel 112.")
        if at is not None:
            print(f"De gids doet alsof het nu {at:%Y-%m-%d %H:%M} is (Europe/Amsterdam).")
        sys.stdout.write("> ")
    clock = (lambda: at) if at is not None else None
    return converse(guide, sys.stdin, sys.stdout, language=args.lang, interactive=interactive, clock=clock)
