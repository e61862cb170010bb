"""The likely slip behind a YAML mistake, said in the words of the people who edit the guide.

The YAML parser names what it expected ("did not find expected key"); an editor needs to hear what
they typed: a quote that is not closed, a colon in a text without quotes, a line indented one
space too far, two list lines that YAML quietly read as one. Everything here reads the file's text
only; nothing is guessed about meaning.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

_QUOTE_ALL = "zet de hele tekst tussen dubbele aanhalingstekens"
_KEY_LINE = re.compile(r"^(?P<indent> *)(?:- +)?(?P<key>[^\s#\"'][^:#]*?):(?:\s+(?P<value>.*))?$")
_ITEM_LINE = re.compile(r"^(?P<indent> *)- ")
_NAME_LINE = re.compile(r"^  (?P<name>[A-Za-z0-9_-]+):(?:\s|$)")
_SECTION_LINE = re.compile(r"^(?P<section>[A-Za-z_]+):\s*(?:#.*)?$")

Slip = tuple[int, str]  # the line (1-based) where the slip is, and what to do about it


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _spaces(count: int) -> str:
    return "1 spatie" if count == 1 else f"{count} spaties"


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _unescaped_quotes(text: str) -> int:
    return len(re.findall(r'(?<!\\)"', text))


def _value_part(line: str) -> str:
    """What follows `key:` (or `- `) on a line, without a trailing comment."""
    match = _KEY_LINE.match(line)
    value = (match.group("value") or "") if match else line.strip().removeprefix("- ")
    return value.strip()


def _open_quote(lines: Sequence[str], number: int) -> Slip | None:
    """A text that starts with " on this line or one of the two above and is never closed."""
    for at in range(number, max(0, number - 3), -1):
        line = lines[at - 1]
        value = _value_part(line)
        if value.startswith('"') and _unescaped_quotes(value) % 2 == 1:
            return at, (f"op regel {at} begint een tekst met \" maar die wordt niet afgesloten. Zet aan het eind "
                        "van de tekst ook een \" (staat er een \" midden in de tekst, schrijf die dan als \\\").")
        closed = re.match(r'^"(?:[^"\\]|\\.)*"\s*(?P<after>[^\s#].*)?$', value)
        if closed and closed.group("after"):
            return at, (f"op regel {at} staat na het afsluitende \" nog tekst: er staat een \" midden in de "
                        "tekst. Schrijf die als \\\" of gebruik enkele aanhalingstekens (') binnen de tekst.")
    return None


def _colon_in_text(lines: Sequence[str], number: int) -> Slip | None:
    value = _value_part(lines[number - 1])
    if value and value[0] not in "\"'{[" and re.search(r":(\s|$)", value):
        return number, (f"de tekst op regel {number} bevat zelf een dubbele punt met een spatie erna, en YAML leest "
                f"dat als een nieuwe sleutel. {_QUOTE_ALL[0].upper()}{_QUOTE_ALL[1:]}, "
                f"bijvoorbeeld: \"{value}\".")
    return None


def _missing_colon(lines: Sequence[str], number: int) -> Slip | None:
    for at in range(number - 1, 0, -1):
        line = lines[at - 1]
        if not _content(line):
            continue
        stripped = line.strip()
        if ":" not in stripped and not stripped.startswith("-") and _indent(lines[number - 1]) > _indent(line):
            return at, f"regel {at} ('{stripped}') mist een dubbele punt aan het eind: schrijf '{stripped}:'."
        return None
    return None


def _open_levels(lines: Sequence[str], number: int) -> list[int]:
    """The indents still open above a line: each earlier line less indented than all below it."""
    levels: list[int] = []
    for line in reversed(lines[: number - 1]):
        if _content(line) and (not levels or _indent(line) < levels[-1]):
            levels.append(_indent(line))
    return levels


def _previous(lines: Sequence[str], number: int) -> tuple[int, str] | None:
    for at in range(number - 1, 0, -1):
        if _content(lines[at - 1]):
            return at, lines[at - 1]
    return None


def _wrong_indent(lines: Sequence[str], number: int) -> Slip | None:
    line = lines[number - 1]
    indent = _indent(line)
    above = _previous(lines, number)
    if above is None:
        return None
    above_number, above_line = above
    if _ITEM_LINE.match(line) and _ITEM_LINE.match(above_line) and indent != _indent(above_line):
        return number, (f"de '-' op regel {number} staat niet recht onder die op regel {above_number} "
                        f"({_spaces(indent)} in plaats van {_indent(above_line)}). Zet elke '- ' van een lijst "
                        "even ver in.")
    for at, text in ((above_number, above_line), (number, line)):
        if _indent(text) % 2:  # the guide indents 2 spaces a level, so an odd indent is the slip
            return at, (f"regel {at} springt {_spaces(_indent(text))} in; de gids springt steeds 2 spaties per "
                        f"niveau in, dus hier {_indent(text) - 1} of {_indent(text) + 1}.")
    opens_block = above_line.rstrip().endswith(":") or above_line.strip() == "-"
    if indent > _indent(above_line) and opens_block:
        return None
    levels = _open_levels(lines, number)
    if indent in levels and not (indent > _indent(above_line)):
        return None
    nearest = min((level for level in levels if level != indent), key=lambda level: abs(level - indent),
                  default=_indent(above_line))
    return number, (f"regel {number} springt {_spaces(indent)} in, maar de regels erboven {nearest}. Zet hem even ver "
            "in als de regel waar hij bij hoort (steeds 2 spaties per niveau, nooit tabs).")


def explain(text: str, line: int, reason: str) -> Slip | None:
    """The likely slip (its line and what to do) for an error the parser noticed on `line`, or None."""
    lines = text.splitlines()
    line = min(line, len(lines))  # the parser may point just past the last line
    if line < 1:
        return None
    if "cannot start any token" in reason:
        value = _value_part(lines[line - 1])
        first = value[:1] or "dit teken"
        return line, f"een tekst mag in YAML niet beginnen met {first}; {_QUOTE_ALL}."
    for at in (line, line - 1):
        if at >= 1 and re.match(r"^\s*-[^\s-]", lines[at - 1]):
            return at, f"na de '-' aan het begin van regel {at} hoort een spatie: schrijf '- ' en dan de tekst."
    for explainer in (_open_quote, _colon_in_text, _missing_colon, _wrong_indent):
        found = explainer(lines, line)
        if found is not None:
            return found
    return None


def defined_names(text: str) -> frozenset[str]:
    """The step and contact names a file that cannot be parsed seems to define, read from its text."""
    names: set[str] = set()
    section = ""
    for line in text.splitlines():
        heading = _SECTION_LINE.match(line)
        if heading:
            section = heading.group("section")
            continue
        name = _NAME_LINE.match(line)
        if name and section in {"nodes", "contacts", "variables"}:
            names.add(name.group("name"))
    return frozenset(names)


def joined_items(value: str, known: Collection[str]) -> list[str] | None:
    """'a - b' where a and b are both known names: two list lines that YAML read as one."""
    parts = [part.strip() for part in value.split(" - ")]
    if len(parts) > 1 and all(part in known for part in parts):
        return parts
    return None


def joined_items_message(parts: Sequence[str]) -> str:
    listed = " en ".join(f"'- {part}'" for part in parts)
    return (f"de regels {listed} zijn samengevoegd tot één waarde, omdat een ervan verder inspringt dan de "
            "regel erboven. Zet de '- ' van elke regel recht onder elkaar.")
