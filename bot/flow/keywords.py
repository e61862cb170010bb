"""Keyword routes: free text to a node, without keeping the text.

Text is normalised (lower case, accents and punctuation removed) and compared word by word. A
keyword may be a phrase ("ik word bedreigd") and may end in `*` to match any word that starts
with it ("bedreig*" matches "bedreiging" and "bedreigingen"). Emergency routes are tried first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from bot.flow.model import KeywordRoute

MAX_TEXT_CHARS = 4096


def normalise(text: str) -> tuple[str, ...]:
    """Words of `text` in lower case without accents; everything else becomes a separator."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_TEXT_CHARS].casefold())
    letters = [char if char.isalnum() else " " for char in decomposed if not unicodedata.combining(char)]
    return tuple("".join(letters).split())


def _matches(keyword: str, words: tuple[str, ...]) -> bool:
    wanted = keyword.split()
    if not wanted:
        return False
    for start in range(len(words) - len(wanted) + 1):
        if all(
            words[start + i].startswith(part[:-1]) if part.endswith("*") else words[start + i] == part
            for i, part in enumerate(wanted)
        ):
            return True
    return False


def match_keywords(routes: Iterable[KeywordRoute], text: str, *, emergency_only: bool = False) -> KeywordRoute | None:
    """The route the text leads to: emergency routes first, then the first route that matches."""
    words = normalise(text)
    if not words:
        return None
    ordered = sorted(routes, key=lambda route: not route.emergency)
    for route in ordered:
        if emergency_only and not route.emergency:
            return None
        if any(_matches(keyword, words) for keyword in route.words):
            return route
    return None
