"""The words of a change report: sections of lines, and a compact inline diff of Dutch and English texts."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from bot.flow.model import LANGUAGES, Localized

LOUD = "‼"  # marks changes a reviewer must check against the source before publishing


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    lines: tuple[str, ...]


def word_diff(old: str, new: str, context: int = 6) -> str:
    """A compact inline diff: unchanged words shortened with '…', removed [-so-], added {+so+}."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    pieces: list[str] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            first, last = index == 0, index == len(opcodes) - 1
            if first and len(words) > context:
                words = ["…", *words[-context:]]
            elif last and len(words) > context:
                words = [*words[:context], "…"]
            elif not first and not last and len(words) > 2 * context:
                words = [*words[:context], "…", *words[-context:]]
            pieces.append(" ".join(words))
            continue
        if i2 > i1:
            pieces.append(f"[-{' '.join(a[i1:i2])}-]")
        if j2 > j1:
            pieces.append(f"{{+{' '.join(b[j1:j2])}+}}")
    return " ".join(piece for piece in pieces if piece)


def localized_changes(label: str, old: Localized | None, new: Localized | None) -> list[str]:
    lines = []
    for language in LANGUAGES:
        before = old.get(language) if old is not None else ""
        after = new.get(language) if new is not None else ""
        if language == "en":
            before = old.en or "" if old is not None else ""
            after = new.en or "" if new is not None else ""
        if before != after:
            lines.append(f"{label} ({language}): {word_diff(before, after)}")
    return lines


def shown(value: str | None) -> str:
    return value if value else "(geen)"
