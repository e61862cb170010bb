"""`wegwijzer routes "tekst"`: where typed text would go, and why, so an editor can fix a miss.

For each text it prints the first answer the guide would give (a screen, "Bedoelt u…?" or not
understood), the closest screens with their scores and the example or keyword that fitted best
(with file:line, so it can be edited), and how each typed word was recognised. The text is only
printed back to the terminal it was typed in; nothing is written anywhere else.
"""

from __future__ import annotations

import argparse

from bot.authoring import OK, USAGE_ERROR, clean_guide, flows_dir, say, say_error
from bot.flow.model import Guide
from bot.flow.routing.router import COMPOUND_STRENGTH, Candidate, Routing, explain, route

SHOWN = 5


def _how(strength: float) -> str:
    if strength >= 1.0:
        return "precies of dezelfde stam"
    if strength <= COMPOUND_STRENGTH:
        return "deel van een samenstelling of verwant woord"
    return f"met een tikfout ({strength:.0%})"


def _title(guide: Guide, node: str) -> str:
    return guide.nodes[node].short_title("nl") if node in guide.nodes else node


def _answer(guide: Guide, routing: Routing) -> str:
    if routing.decision == "go" and routing.target is not None:
        first = routing.candidates[0] if routing.candidates else None
        why = ""
        if first is not None and first.whole and first.priority:
            why = f" — voorrang ({first.priority}): '{first.cue.teaching.text}' staat helemaal in de tekst"
        return f"Eerste antwoord: scherm '{routing.target}' ({_title(guide, routing.target)}){why}."
    if routing.decision == "suggest":
        offered = ", ".join(f"'{c.target}'" for c in routing.suggestions)
        return f"Eerste antwoord: 'Bedoelt u…?' met {offered}, plus 112 en het Ondersteuningsteam."
    return "Eerste antwoord: 'niet begrepen' (geen scherm past genoeg); de gebruiker blijft waar hij was."


def _candidate_line(guide: Guide, number: int, candidate: Candidate) -> str:
    teaching = candidate.cue.teaching
    kind = "trefwoord" if teaching.keyword else "voorbeeld"
    flags = f" [{candidate.priority}{', heel' if candidate.whole else ''}]" if candidate.priority else ""
    return (
        f"  {number}. {candidate.target} ({_title(guide, candidate.target)}){flags}\n"
        f"     score {candidate.score:.2f}, dekking {candidate.coverage:.0%}; best passend {kind} "
        f"'{teaching.text}' ({teaching.place})"
    )


def describe(guide: Guide, text: str) -> list[str]:
    """The report for one text, as lines in Dutch."""
    routing = route(guide.router, text)
    lines = [f"Tekst: \"{text}\"", _answer(guide, routing)]
    if routing.candidates:
        lines.append("Dichtstbijzijnde schermen (beste eerst):")
        lines += [_candidate_line(guide, n, c) for n, c in enumerate(routing.candidates[:SHOWN], start=1)]
    lines.append("Herkende woorden:")
    for word, matches in explain(guide.router, text):
        if matches:
            best = ", ".join(f"{key.lstrip('=')} ({_how(how)})" for key, how in matches[:3])
            lines.append(f"  {word}: {best}")
        else:
            lines.append(f"  {word}: —")
    return lines


def main(args: argparse.Namespace) -> int:
    texts: list[str] = [text for text in args.texts if text.strip()]
    if not texts:
        say_error('Geef een tekst, zoals: wegwijzer routes "ik word bedreigd".')
        return USAGE_ERROR
    guide = clean_guide(flows_dir(args), "routes")
    if isinstance(guide, int):
        return guide
    for number, text in enumerate(texts):
        if number:
            say("")
        say("\n".join(describe(guide, text)))
    return OK
