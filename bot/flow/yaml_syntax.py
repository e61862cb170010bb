"""What went wrong in a YAML file's syntax, said in the editors' language with the line to look at.

The parser's English complaints become Dutch advice; a likelier slip (see `slips`) wins when found.
Forbidden control characters are found before parsing so both parsers give the same message.
"""

from __future__ import annotations

import re

import yaml

from bot.flow.model import Location
from bot.flow.problem import Problem
from bot.flow.slips import explain

# The YAML parser's complaints, said in the editors' language when no likelier slip is found.
_QUOTE_IT = "zet de tekst tussen dubbele aanhalingstekens"
_REASONS = {
    "did not find expected key": "deze regel springt anders in dan de regels eromheen",
    "expected <block end>": "deze regel springt anders in dan de regels eromheen",
    "mapping values are not allowed in this context": f"een dubbele punt waar die niet mag; {_QUOTE_IT}",
    "mapping values are not allowed here": f"een dubbele punt waar die niet mag; {_QUOTE_IT}",
    "found character that cannot start any token": f"een teken waarmee een waarde niet mag beginnen; {_QUOTE_IT}",
    "did not find expected '-' indicator": "deze regel springt anders in dan de lijst erboven",
    "found undefined alias": "een * (verwijzing) die nergens naar verwijst",
    "could not find expected ':'": "hier hoort een dubbele punt (sleutel: waarde)",
}

_UNCLOSED = {
    "while scanning a quoted scalar": "een tekst tussen aanhalingstekens wordt niet afgesloten",
    "while parsing a flow mapping": "een { ... } wordt niet afgesloten met }",
    "while parsing a flow sequence": "een [ ... ] wordt niet afgesloten met ]",
}


def _dutch_reason(reason: str) -> str:
    for english, dutch in _REASONS.items():
        if reason.startswith(english):
            return dutch
    return "de opmaak klopt hier niet"



# Characters YAML does not allow in a document (C0/C1 controls except tab, newlines and NEL; BOM-like
# non-characters). Checked first so both parsers give the same friendly message.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def control_character(name: str, text: str) -> Problem | None:
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    position = found.start()
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return Problem(
        Location(name, line, column),
        "error",
        "",
        f"een onzichtbaar stuurteken (#x{ord(found.group()):04x}) dat YAML niet toestaat. "
        "Verwijder het; typ de tekst eventueel opnieuw.",
    )



def mark_location(display: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(display, 1, 1)
    return Location(display, mark.line + 1, mark.column + 1)



def syntax_problem(name: str, text: str, error: yaml.MarkedYAMLError) -> Problem:
    """The problem to show for a syntax error the parser raised while reading `text` (file `name`)."""
    reason = (error.problem or error.context or "").strip()
    # An unclosed quote or bracket is only noticed at the end of the file; point at its start.
    at_end = "end of stream" in reason and error.context_mark is not None
    mark = error.context_mark if at_end else (error.problem_mark or error.context_mark)
    context = (error.context or "").strip()
    if context in _UNCLOSED and error.context_mark is not None:
        return Problem(mark_location(name, error.context_mark), "error", "",
                       f"YAML-syntaxfout: {_UNCLOSED[context]}. Sluit hem af op dezelfde regel.")
    where = mark_location(name, mark)
    slip = None if at_end else explain(text, where.line, reason)
    if slip is not None:
        line, advice = slip
        lines = text.splitlines()
        column = len(lines[line - 1]) - len(lines[line - 1].lstrip(" ")) + 1 if line <= len(lines) else 1
        return Problem(Location(name, line, column), "error", "", f"YAML-syntaxfout: {advice}")
    said = (_UNCLOSED.get(context, "iets dat hier begint, wordt nergens afgesloten")
            if at_end else _dutch_reason(reason))
    return Problem(
        where,
        "error",
        "",
        f"YAML-syntaxfout: {said}. Controleer inspringing, dubbele punten en aanhalingstekens "
        "op deze regel en de regel erboven.",
    )
