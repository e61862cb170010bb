"""The reader for the guide: section: start, emergency and help steps, fixed texts and readability rules.

Takes located YAML and returns the settings (or None when they cannot be used), noting every
problem on the `Reader`.
"""

from __future__ import annotations

from typing import Any

from bot.flow.model import BUTTON_KEYS, MESSAGE_KEYS, OPTIONAL_MESSAGES, Localized, Location, ReadabilityRules
from bot.flow.reading import Reader, join
from bot.flow.yamlsource import LocatedMap


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
