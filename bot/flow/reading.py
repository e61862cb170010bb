"""Reading located YAML into values, one field at a time, noting every problem with its place.

`Reader` knows the generic shapes (a mapping, a text per language, a list, a date, a condition);
`bot.flow.sections` uses it for each kind of thing in the guide.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Any

from bot.flow.model import ALWAYS, LANGUAGES, Condition, Localized, Location
from bot.flow.problem import Problem
from bot.flow.yamlsource import LocatedList, LocatedMap

ID_PATTERN = re.compile(r"^[a-z0-9_]{1,40}$")


class Reader:
    """Reads located YAML into model values; every problem is noted with its place."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, where: Location, path: str, message: str) -> None:
        self.problems.append(Problem(where, "error", path, message))

    def warning(self, where: Location, path: str, message: str) -> None:
        self.problems.append(Problem(where, "warning", path, message))

    # -- generic shapes -------------------------------------------------------------------

    def mapping(self, value: Any, where: Location, path: str, what: str) -> LocatedMap | None:
        if isinstance(value, LocatedMap):
            return value
        self.error(where, path, f"hier hoort {what} (sleutels met een dubbele punt), maar er staat {describe(value)}.")
        return None

    def keys(self, data: LocatedMap, path: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                fix = f"Bedoelt u '{hint[0]}'?" if hint else f"Toegestaan: {', '.join(allowed)}."
                self.error(data.key_locations[key], join(path, key), f"onbekend veld '{key}'. {fix}")
        for key in required:
            if key not in data:
                self.error(data.location, path, f"het veld '{key}' ontbreekt; het is verplicht.")

    def where(self, data: LocatedMap, key: str) -> Location:
        return data.value_locations.get(key, data.location)

    def text(self, data: LocatedMap, key: str, path: str, *, required: bool = True) -> str | None:
        if key not in data:
            if required:
                self.error(data.location, path, f"het veld '{key}' ontbreekt; het is verplicht.")
            return None
        value = data[key]
        if isinstance(value, bool) or value is None or isinstance(value, LocatedMap | LocatedList):
            self.error(
                self.where(data, key), join(path, key), f"hier hoort een tekst, maar er staat {describe(value)}."
            )
            return None
        text = str(value).strip()
        if not text:
            self.error(self.where(data, key), join(path, key), "de tekst is leeg.")
            return None
        return text

    def localized(self, data: LocatedMap, key: str, path: str, *, required: bool = True) -> Localized | None:
        """A text per language: {nl: ..., en: ...}; a plain string counts as Dutch only."""
        if key not in data:
            if required:
                self.error(data.location, path, f"het veld '{key}' ontbreekt; geef een tekst met nl: en en:.")
            return None
        value, where, full = data[key], self.where(data, key), join(path, key)
        if isinstance(value, str):
            if not value.strip():
                self.error(where, full, "de tekst is leeg.")
                return None
            self.warning(where, full, "alleen Nederlands; voeg een Engelse vertaling toe (nl: ... en: ...).")
            return Localized(nl=value.strip())
        texts = self.mapping(value, where, full, "een tekst per taal (nl: en en:)")
        if texts is None:
            return None
        self.keys(texts, full, LANGUAGES, ())
        nl = self.text(texts, "nl", full, required=False)
        en = self.text(texts, "en", full, required=False)
        if nl is None:
            if "nl" not in texts:
                self.error(texts.location, full, "de Nederlandse tekst (nl:) ontbreekt; die is verplicht.")
            return None
        if en is None and "en" not in texts:
            self.warning(
                texts.location,
                full,
                "de Engelse vertaling (en:) ontbreekt; Engelstaligen zien nu Nederlands.",
            )
        return Localized(nl=nl, en=en)

    def items(self, data: LocatedMap, key: str, path: str) -> list[tuple[Any, Location, str]]:
        """A list field as (value, location, path) triples; a missing list is empty."""
        if key not in data or data[key] is None:
            return []
        value = data[key]
        if not isinstance(value, LocatedList):
            self.error(
                self.where(data, key),
                join(path, key),
                f"hier hoort een lijst (regels die met '- ' beginnen), maar er staat {describe(value)}.",
            )
            return []
        return [(item, value.item_locations[i], f"{join(path, key)}[{i}]") for i, item in enumerate(value)]

    def identifier(self, value: Any, where: Location, path: str, what: str) -> str | None:
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.error(
                where,
                path,
                f"'{value}' is geen geldige naam voor {what}: gebruik 1 tot 40 "
                "kleine letters, cijfers of _ (bijvoorbeeld online_haat).",
            )
            return None
        return value

    def flag(self, data: LocatedMap, key: str, path: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.error(self.where(data, key), join(path, key), f"hier hoort true of false, niet {describe(value)}.")
            return False
        return value

    def day(self, data: LocatedMap, key: str, path: str, *, required: bool) -> date | None:
        if key not in data:
            if required:
                self.error(data.location, path, f"het veld '{key}' ontbreekt; schrijf een datum als 2026-11-29.")
            return None
        value = data[key]
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.error(
            self.where(data, key),
            join(path, key),
            f"'{value}' is geen datum; schrijf hem als jjjj-mm-dd, bijvoorbeeld 2026-11-29.",
        )
        return None

    # -- conditions -----------------------------------------------------------------------

    def condition(self, data: LocatedMap, path: str) -> Condition:
        parts: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {}
        for key in ("when", "unless"):
            if key not in data:
                parts[key] = ()
                continue
            full = join(path, key)
            body = self.mapping(
                data[key], self.where(data, key), full, "een voorwaarde zoals {rol: [raadslid, statenlid]}"
            )
            pairs: list[tuple[str, frozenset[str]]] = []
            for name, values in (body or {}).items():
                where = body.value_locations[name] if body is not None else data.location
                raw = values if isinstance(values, list) else [values]
                if not raw or not all(isinstance(v, str) for v in raw):
                    self.error(
                        where, join(full, name), "geef een waarde of een lijst waarden, zoals [raadslid, statenlid]."
                    )
                    continue
                pairs.append((name, frozenset(v.strip() for v in raw)))
            parts[key] = tuple(sorted(pairs, key=lambda pair: pair[0]))
        if not parts["when"] and not parts["unless"]:
            return ALWAYS
        return Condition(when=parts["when"], unless=parts["unless"])


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def describe(value: Any) -> str:
    if isinstance(value, LocatedMap):
        return "een mapping"
    if isinstance(value, LocatedList):
        return "een lijst"
    if value is None:
        return "niets"
    if isinstance(value, bool):
        return f"de waarde {str(value).lower()}"
    return f"'{value}'"


# -- sections ---------------------------------------------------------------------------------
