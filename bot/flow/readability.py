"""Plain-language warnings for `wegwijzer check`: long sentences, a low reading ease, jargon.

Someone who just found a threatening note reads on a phone, under stress. The guide aims at B1 Dutch.
Three measures, each with a threshold staff set in `guide.readability` (flows/guide.yaml):

- sentence length in words, per sentence (Dutch and English);
- the Flesch-Douma reading ease of each Dutch message (206.835 - 0.93 x words per sentence
  - 77 x syllables per word; higher is easier, about 60 and up reads as plain Dutch);
- words on a short jargon list, unless they stand between brackets after a plain explanation,
  as in "de hulpofficier van justitie" -> "een leidinggevende agent (hulpofficier van justitie)".

Pure and approximate: syllables are counted as groups of vowels, which is close enough for Dutch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.flow.model import ALWAYS, Guide, Localized, Location, ReadabilityRules
from bot.flow.problem import Problem

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_WORD = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ][0-9A-Za-zÀ-ÖØ-öø-ÿ'’\-–/]*")
_VOWEL_GROUP = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûü]+", re.IGNORECASE)
_BRACKETED = re.compile(r"\([^()]*\)")
_LIST_MARK = re.compile(r"^\s*(?:[-•]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class Text:
    """One piece of prose a user reads, with where it stands and what it is part of."""

    where: Location
    path: str
    text: Localized


def sentences(text: str) -> list[str]:
    """The sentences of a text; list items and lines count as sentences of their own."""
    lines = (_LIST_MARK.sub("", line) for line in text.splitlines())
    parts = (part.strip() for line in lines for part in _SENTENCE_END.split(line))
    return [part for part in parts if _WORD.search(part)]


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def syllables(word: str) -> int:
    return max(1, len(_VOWEL_GROUP.findall(word)))


def flesch_douma(text: str) -> float | None:
    """Reading ease of a Dutch text (higher is easier); None when there is nothing to measure."""
    found = sentences(text)
    counted = [word for sentence in found for word in words(sentence) if not word.isdigit()]
    if not found or not counted:
        return None
    per_sentence = len(counted) / len(found)
    per_word = sum(syllables(word) for word in counted) / len(counted)
    return 206.835 - 0.93 * per_sentence - 77 * per_word


def jargon_in(text: str, jargon: tuple[str, ...]) -> list[str]:
    """Jargon words used without a plain explanation (a word between brackets counts as explained)."""
    plain = _BRACKETED.sub(" ", text).casefold()
    found = []
    for term in jargon:
        if re.search(rf"(?<![\w-]){re.escape(term.casefold())}", plain):
            found.append(term)
    return found


def _short(sentence: str, limit: int = 8) -> str:
    shown = words(sentence)
    return " ".join(shown[:limit]) + (" …" if len(shown) > limit else "")


def _prose(guide: Guide) -> Iterator[Text]:
    for node in guide.nodes.values():
        yield Text(node.location, f"nodes.{node.id}.text", node.text)
        for index, paragraph in enumerate(node.paragraphs):
            yield Text(paragraph.location, f"nodes.{node.id}.paragraphs[{index}]", paragraph.text)
    for contact in guide.contacts.values():
        yield Text(contact.location, f"contacts.{contact.id}.purpose", contact.purpose)
        if contact.caveat is not None:
            yield Text(contact.location, f"contacts.{contact.id}.caveat", contact.caveat)


def _messages(guide: Guide) -> Iterator[tuple[Location, str, str, str]]:
    """(place, path, role description, Dutch text) of each node's message as a role reads it."""
    for node in guide.nodes.values():
        conditional = any(paragraph.when != ALWAYS for paragraph in node.paragraphs)
        variants: list[Mapping[str, str]] = [{}]
        if conditional:
            variants += [{v.name: value} for v in guide.variables.values() for value in v.values]
        seen: set[str] = set()
        for variables in variants:
            blocks = [node.text.nl] + [p.text.nl for p in node.paragraphs if p.when.holds(variables)]
            text = "\n\n".join(blocks)
            if text in seen:
                continue
            seen.add(text)
            who = ", ".join(f"{name}={value}" for name, value in variables.items())
            yield node.location, f"nodes.{node.id}.text.nl", who, text


def _warning(where: Location, path: str, message: str) -> Problem:
    return Problem(where, "warning", path, message)


def readability_problems(guide: Guide) -> list[Problem]:
    """A warning per message that is harder to read than `guide.readability` allows."""
    rules: ReadabilityRules = guide.readability
    if not rules.enabled:
        return []
    problems: list[Problem] = []
    for piece in _prose(guide):
        for language in ("nl", "en"):
            text = piece.text.get(language)
            if language == "en" and not piece.text.en:
                continue
            for sentence in sentences(text):
                count = len(words(sentence))
                if count > rules.max_sentence_words:
                    problems.append(_warning(
                        piece.where, f"{piece.path}.{language}",
                        f"een zin van {count} woorden (meer dan {rules.max_sentence_words}): "
                        f"'{_short(sentence)}'. Maak er twee kortere zinnen van.",
                    ))
            for term in jargon_in(text, rules.jargon):
                problems.append(_warning(
                    piece.where, f"{piece.path}.{language}",
                    f"'{term}' staat op de lijst met vaktaal en stijve woorden (guide.readability.jargon). "
                    "Zeg het in gewone woorden, of zet de vakterm tussen haakjes achter de uitleg.",
                ))
    for where, path, who, text in _messages(guide):
        score = flesch_douma(text)
        if score is not None and score < rules.min_reading_ease:
            for_whom = f" (voor {who})" if who else ""
            problems.append(_warning(
                where, path,
                f"leesgemak (Flesch-Douma) {score:.0f}{for_whom}, lager dan {rules.min_reading_ease:g}. "
                "Gebruik kortere zinnen en kortere woorden.",
            ))
    return problems
