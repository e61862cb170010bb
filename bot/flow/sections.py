"""Readers for each kind of thing in the guide: nodes, options, contacts, opening hours, keywords.

Each takes located YAML and returns a frozen model value (or None when it cannot be built),
noting every problem on the `Reader`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.flow.keywords import normalise
from bot.flow.model import (
    ALWAYS,
    BUTTON_KEYS,
    LANGUAGES,
    MESSAGE_KEYS,
    OPTIONAL_MESSAGES,
    UNSET,
    WEEKDAYS,
    Contact,
    ContactRef,
    Example,
    KeywordRoute,
    Localized,
    Location,
    Node,
    OpeningHours,
    OpeningSlot,
    Option,
    Paragraph,
    ReadabilityRules,
    Variable,
)
from bot.flow.reading import Reader, join
from bot.flow.routing.index import PRIORITIES
from bot.flow.yamlsource import LocatedList, LocatedMap

TIME_PATTERN = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def read_option(reader: Reader, value: Any, where: Location, path: str) -> Option | None:
    data = reader.mapping(value, where, path, "een knop met label: en goto:")
    if data is None:
        return None
    reader.keys(data, path, ("label", "goto", "set", "when", "unless"), ("label",))
    label = reader.localized(data, "label", path)
    goto = reader.text(data, "goto", path, required=False)
    sets: list[tuple[str, str]] = []
    if "set" in data:
        body = reader.mapping(
            data["set"],
            reader.where(data, "set"),
            join(path, "set"),
            "variabelen met hun waarde, zoals {rol: raadslid}",
        )
        for name, set_value in (body or {}).items():
            if not isinstance(set_value, str):
                reader.error(
                    body.value_locations[name] if body else where,
                    join(path, f"set.{name}"),
                    "de waarde moet een tekst zijn, zoals raadslid.",
                )
                continue
            sets.append((name, set_value.strip()))
    if goto is None and not sets:
        reader.error(
            data.location,
            path,
            "deze knop gaat nergens heen: geef goto: (het doel) of set: (een variabele die de vraag beantwoordt).",
        )
    if label is None:
        return None
    return Option(
        label=label,
        goto=goto,
        sets=tuple(sets),
        when=reader.condition(data, path),
        location=data.location,
        target_location=reader.where(data, "goto"),
    )


def read_node(reader: Reader, node_id: str, value: Any, where: Location, path: str) -> Node | None:
    data = reader.mapping(value, where, path, "een stap met text: en options:")
    if data is None:
        return None
    reader.keys(
        data,
        path,
        ("title", "text", "paragraphs", "contacts", "options", "end", "requires", "outcome", "examples", "priority"),
        ("text",),
    )
    text = reader.localized(data, "text", path)
    title = reader.localized(data, "title", path, required=False)
    paragraphs: list[Paragraph] = []
    for item, item_where, item_path in reader.items(data, "paragraphs", path):
        body = reader.mapping(item, item_where, item_path, "een alinea met text: en when:")
        if body is None:
            continue
        reader.keys(body, item_path, ("text", "when", "unless"), ("text",))
        paragraph_text = reader.localized(body, "text", item_path)
        if paragraph_text is not None:
            paragraphs.append(Paragraph(paragraph_text, reader.condition(body, item_path), body.location))
    contacts: list[ContactRef] = []
    for item, item_where, item_path in reader.items(data, "contacts", path):
        if isinstance(item, str):
            contacts.append(ContactRef(item.strip(), ALWAYS, item_where))
            continue
        body = reader.mapping(item, item_where, item_path, "een contact-id of {contact: id, when: ...}")
        if body is None:
            continue
        reader.keys(body, item_path, ("contact", "when", "unless"), ("contact",))
        contact_id = reader.text(body, "contact", item_path)
        if contact_id is not None:
            contacts.append(ContactRef(contact_id, reader.condition(body, item_path), body.location))
    options = [
        option
        for item, item_where, item_path in reader.items(data, "options", path)
        if (option := read_option(reader, item, item_where, item_path)) is not None
    ]
    requires = [str(item).strip() for item, _, _ in reader.items(data, "requires", path) if item is not None]
    outcome = reader.text(data, "outcome", path, required=False)
    end = reader.flag(data, "end", path)
    examples = read_examples(reader, data, path)
    priority = reader.text(data, "priority", path, required=False)
    if priority is not None and priority not in PRIORITIES:
        reader.error(
            reader.where(data, "priority"),
            join(path, "priority"),
            f"onbekende prioriteit '{priority}'; kies {' of '.join(PRIORITIES)}, of laat het veld weg.",
        )
        priority = None
    if text is None:
        return None
    return Node(
        id=node_id,
        text=text,
        title=title,
        paragraphs=tuple(paragraphs),
        options=tuple(options),
        contacts=tuple(contacts),
        end=end,
        requires=tuple(requires),
        outcome=outcome,
        location=data.location,
        examples=examples,
        priority=priority,
    )


def read_examples(reader: Reader, data: LocatedMap, path: str) -> tuple[Example, ...]:
    """`examples:` as a list (any language) or as {nl: [...], en: [...]}."""
    if "examples" not in data or data["examples"] is None:
        return ()
    value = data["examples"]
    groups: list[tuple[str | None, LocatedMap, str]]
    if isinstance(value, LocatedMap):
        reader.keys(value, join(path, "examples"), LANGUAGES, ())
        groups = [(language, value, join(path, "examples")) for language in LANGUAGES if language in value]
    else:
        groups = [(None, data, path)]
    found: list[Example] = []
    for language, holder, holder_path in groups:
        key = language or "examples"
        for item, where, item_path in reader.items(holder, key, holder_path):
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                reader.error(where, item_path, "een voorbeeld is een zin zoals een gebruiker hem typt, als tekst.")
                continue
            text = str(item).strip()
            if not normalise(text):
                reader.error(where, item_path, f"het voorbeeld '{text}' bevat geen letters of cijfers.")
                continue
            found.append(Example(text, language, where))
    return tuple(found)


def read_hours(reader: Reader, data: LocatedMap, path: str) -> OpeningHours:
    if "hours" not in data or data["hours"] is None:
        return OpeningHours()
    value, where, full = data["hours"], reader.where(data, "hours"), join(path, "hours")
    if isinstance(value, str) and value.strip().replace(" ", "") in {"24/7", "24x7"}:
        return OpeningHours(always=True)
    body = reader.mapping(value, where, full, '"24/7" of een schedule: met dagen en tijden')
    if body is None:
        return OpeningHours()
    reader.keys(body, full, ("schedule", "note"), ())
    if "schedule" not in body and "note" not in body:
        reader.error(body.location, full, 'geef schedule: (dagen en tijden), note: (een beschrijving), of "24/7".')
    slots: list[OpeningSlot] = []
    for item, item_where, item_path in reader.items(body, "schedule", full):
        block = reader.mapping(item, item_where, item_path, '{days: [ma, di], open: "09:00", close: "17:00"}')
        if block is None:
            continue
        reader.keys(block, item_path, ("days", "open", "close"), ("days", "open", "close"))
        times = []
        for key in ("open", "close"):
            raw = str(block.get(key, "")).strip()
            match = TIME_PATTERN.match(raw)
            if key in block and not match:
                reader.error(
                    reader.where(block, key),
                    join(item_path, key),
                    f"'{raw}' is geen tijd; schrijf hem als \"09:00\" (tussen aanhalingstekens).",
                )
            times.append(int(match.group(1)) * 60 + int(match.group(2)) if match else None)
        days = [day for day, _, _ in reader.items(block, "days", item_path)]
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            reader.error(
                reader.where(block, "days"),
                join(item_path, "days"),
                f"onbekende dag(en) {unknown}; gebruik {', '.join(WEEKDAYS)}.",
            )
        opens, closes = times
        if opens is None or closes is None:
            continue
        if closes <= opens:
            reader.error(block.location, item_path, "de sluitingstijd moet na de openingstijd liggen.")
            continue
        slots += [OpeningSlot(WEEKDAYS.index(day), opens, closes) for day in days if day in WEEKDAYS]
    return OpeningHours(slots=tuple(slots), note=reader.localized(body, "note", full, required=False))


def read_contact(reader: Reader, contact_id: str, value: Any, where: Location, path: str) -> Contact | None:
    data = reader.mapping(value, where, path, "een contact met name:, purpose:, source: en verified:")
    if data is None:
        return None
    reader.keys(
        data,
        path,
        ("name", "purpose", "phone", "url", "email", "hours", "source", "verified", "review_by", "caveat"),
        ("name", "purpose", "source", "verified"),
    )
    name = reader.localized(data, "name", path)
    purpose = reader.localized(data, "purpose", path)
    phone = data.get("phone")
    phone_text = str(phone).strip() if phone is not None else None
    source = reader.text(data, "source", path)
    verified = reader.day(data, "verified", path, required=True)
    contact = Contact(
        id=contact_id,
        name=name or Localized(contact_id),
        purpose=purpose or Localized(""),
        source=source or "",
        verified=verified or date.min,
        phone=phone_text or None,
        url=reader.text(data, "url", path, required=False),
        email=reader.text(data, "email", path, required=False),
        hours=read_hours(reader, data, path),
        review_by=reader.day(data, "review_by", path, required=False),
        caveat=reader.localized(data, "caveat", path, required=False),
        location=data.location,
    )
    return contact if None not in (name, purpose, source, verified) else None


def read_guide_section(reader: Reader, value: Any, where: Location) -> dict[str, Any] | None:
    data = reader.mapping(value, where, "guide", "de instellingen start:, emergency:, help:, buttons: en messages:")
    if data is None:
        return None
    reader.keys(
        data,
        "guide",
        ("start", "emergency", "help", "buttons", "messages", "readability"),
        ("start", "emergency", "help", "buttons", "messages"),
    )
    result: dict[str, Any] = {key: reader.text(data, key, "guide") for key in ("start", "emergency", "help")}
    result["readability"] = read_readability(reader, data)
    groups = (("buttons", BUTTON_KEYS, BUTTON_KEYS), ("messages", MESSAGE_KEYS, (*MESSAGE_KEYS, *OPTIONAL_MESSAGES)))
    for group, required_keys, allowed_keys in groups:
        path = f"guide.{group}"
        body = (
            reader.mapping(data.get(group), reader.where(data, group), path, "teksten per sleutel")
            if group in data
            else None
        )
        texts: dict[str, Localized] = {}
        if body is not None:
            reader.keys(body, path, allowed_keys, required_keys)
            for key in allowed_keys:
                if key in body and (text := reader.localized(body, key, path)) is not None:
                    texts[key] = text
        result[group] = texts
    if (
        any(result[key] is None for key in ("start", "emergency", "help"))
        or len(result["buttons"]) != len(BUTTON_KEYS)
        or any(key not in result["messages"] for key in MESSAGE_KEYS)
    ):
        return None
    return result


def read_readability(reader: Reader, guide: LocatedMap) -> ReadabilityRules:
    """guide.readability: the thresholds of the plain-language warnings; defaults when absent."""
    defaults = ReadabilityRules()
    if "readability" not in guide or guide["readability"] is None:
        return defaults
    path = "guide.readability"
    data = reader.mapping(guide["readability"], reader.where(guide, "readability"), path,
                          "de instellingen max_sentence_words:, min_reading_ease:, jargon: en check:")
    if data is None:
        return defaults
    reader.keys(data, path, ("max_sentence_words", "min_reading_ease", "jargon", "check"), ())
    numbers: dict[str, float] = {}
    for key, default, low, high in (("max_sentence_words", defaults.max_sentence_words, 5, 60),
                                    ("min_reading_ease", defaults.min_reading_ease, 0, 120)):
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            reader.error(reader.where(data, key), join(path, key),
                         f"hier hoort een getal van {low} tot {high}, niet {value!r}.")
            value = default
        numbers[key] = value
    jargon = defaults.jargon
    if "jargon" in data:
        listed = [item for item, _, _ in reader.items(data, "jargon", path)]
        if all(isinstance(item, str) and item.strip() for item in listed):
            jargon = tuple(item.strip() for item in listed)
        else:
            reader.error(reader.where(data, "jargon"), join(path, "jargon"),
                         "geef een lijst woorden, bijvoorbeeld [Bibob, processtukken].")
    return ReadabilityRules(
        max_sentence_words=int(numbers["max_sentence_words"]),
        min_reading_ease=float(numbers["min_reading_ease"]),
        jargon=jargon,
        enabled=reader.flag(data, "check", path) if "check" in data else True,
    )


def read_keyword(reader: Reader, value: Any, where: Location, path: str) -> KeywordRoute | None:
    data = reader.mapping(value, where, path, "een route met words: en goto:")
    if data is None:
        return None
    reader.keys(data, path, ("words", "goto", "emergency"), ("words", "goto"))
    words: list[str] = []
    for word, word_where, word_path in reader.items(data, "words", path):
        if isinstance(word, bool) or word is None or isinstance(word, LocatedMap | LocatedList):
            reader.error(word_where, word_path, "een trefwoord moet een tekst zijn.")
            continue
        raw = str(word).strip()
        wildcard = raw.endswith("*")
        cleaned = " ".join(normalise(raw.rstrip("*")))
        if not cleaned:
            reader.error(word_where, word_path, f"het trefwoord '{raw}' bevat geen letters of cijfers.")
            continue
        words.append(cleaned + ("*" if wildcard else ""))
    goto = reader.text(data, "goto", path)
    if goto is None or not words:
        if "words" in data and not words:
            reader.error(data.location, path, "geef minstens één trefwoord onder words:.")
        return None
    return KeywordRoute(tuple(words), goto, reader.flag(data, "emergency", path), data.location)


def read_variable(reader: Reader, name: str, value: Any, where: Location, path: str) -> Variable | None:
    data = reader.mapping(value, where, path, "een variabele met values: en ask:")
    if data is None:
        return None
    reader.keys(data, path, ("values", "ask"), ("values",))
    values = []
    for item, item_where, item_path in reader.items(data, "values", path):
        if reader.identifier(item, item_where, item_path, "een waarde") is not None:
            if item == UNSET:
                reader.error(item_where, item_path, f"'{UNSET}' is gereserveerd voor 'nog niet bekend'.")
                continue
            values.append(item)
    ask = reader.text(data, "ask", path, required=False)
    return Variable(name, tuple(values), ask, data.location)
