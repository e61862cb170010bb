"""Readers for the guide's steps and routes: nodes, options, examples, keywords and variables.

Each takes located YAML and returns a frozen model value (or None when it cannot be built),
noting every problem on the `Reader`.
"""

from __future__ import annotations

from typing import Any

from bot.flow.keywords import normalise
from bot.flow.model import (
    ALWAYS,
    LANGUAGES,
    UNSET,
    ContactRef,
    Example,
    KeywordRoute,
    Location,
    Node,
    Option,
    Paragraph,
    Variable,
)
from bot.flow.reading import Reader, join
from bot.flow.routing.index import PRIORITIES
from bot.flow.yamlsource import LocatedList, LocatedMap


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
