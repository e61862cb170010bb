"""Button actions: the compact tokens behind every button (Telegram's callback data).

An option's token names its node, its position and a short check of where it leads, so a
press from an old message or after an edit is recognised instead of sending someone astray.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

from bot.flow.model import Option

MAX_ACTION_BYTES = 64  # Telegram's limit for callback data

BACK = "g:back"
RESTART = "g:home"
EMERGENCY = "g:sos"
ERASE = "g:erase"
HELP = "g:help"
LANGUAGE_PREFIX = "g:lang:"
GO_PREFIX = "g:go:"  # a "Bedoelt u...?" button: straight to the node it names
UNKNOWN_COMMAND = "g:cmd?"  # a slash command the guide does not know


def go_action(node_id: str) -> str:
    return f"{GO_PREFIX}{node_id}"


@dataclass(frozen=True, slots=True)
class OptionPress:
    node: str
    index: int
    check: str


def option_check(option: Option) -> str:
    """Four hex digits that change when the option's target or its settings change."""
    return _check(option.goto, option.sets)


@functools.lru_cache(maxsize=4096)
def _check(goto: str | None, sets: tuple[tuple[str, str], ...]) -> str:
    # Every screen shown hashes each of its options; a guide has a few hundred distinct ones.
    fingerprint = f"{goto}|{sorted(sets)}".encode()
    return hashlib.blake2b(fingerprint, digest_size=2).hexdigest()


def option_action(node_id: str, index: int, option: Option) -> str:
    return f"o:{node_id}:{index}:{option_check(option)}"


def language_action(language: str) -> str:
    return f"{LANGUAGE_PREFIX}{language}"


def parse_option_action(action: str) -> OptionPress | None:
    """Read an option token; None when it is not one (forged or from another version)."""
    parts = action.split(":")
    if len(parts) != 4 or parts[0] != "o" or not parts[2].isdigit() or len(parts[2]) > 3:
        return None
    return OptionPress(node=parts[1], index=int(parts[2]), check=parts[3])
