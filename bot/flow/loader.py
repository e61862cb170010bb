"""Load the guide from flows/*.yaml into frozen model objects, naming every mistake on the way.

Reading (this module) checks shapes and types field by field; `checks` then looks at the guide as
a whole (targets, reachability, dead ends, contacts, limits). Both collect problems instead of
stopping at the first, so one run of `wegwijzer check` shows everything that needs fixing.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.flow.keywords import normalise
from bot.flow.model import (
    ALWAYS,
    BUTTON_KEYS,
    LANGUAGES,
    MESSAGE_KEYS,
    UNSET,
    WEEKDAYS,
    Condition,
    Contact,
    ContactRef,
    Guide,
    KeywordRoute,
    Localized,
    Location,
    Node,
    OpeningHours,
    OpeningSlot,
    Option,
    Paragraph,
    Variable,
)
from bot.flow.render import AMSTERDAM
from bot.flow.yamlsource import LocatedList, LocatedMap, Problem, SourceFile, read_yaml

SECTIONS = ("guide", "variables", "entry_points", "keywords", "nodes", "contacts")
ID_PATTERN = re.compile(r"^[a-z0-9_]{1,40}$")
PAYLOAD_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
TIME_PATTERN = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

T = TypeVar("T")


@dataclass
class LoadResult:
    guide: Guide | None
    problems: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.guide is not None and not any(p.is_error for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def flow_files(flows_dir: Path) -> list[Path]:
    """The YAML files that make up the guide: flows/*.yaml and *.yml, not sub-folders."""
    files = [*flows_dir.glob("*.yaml"), *flows_dir.glob("*.yml")]
    return sorted(path for path in files if path.is_file())


class _Reader:
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
        self.error(where, path, f"hier hoort {what} (sleutels met een dubbele punt), maar er staat {_describe(value)}.")
        return None

    def keys(self, data: LocatedMap, path: str, allowed: tuple[str, ...], required: tuple[str, ...]) -> None:
        for key in data:
            if key not in allowed:
                hint = difflib.get_close_matches(key, allowed, n=1)
                fix = f"Bedoelt u '{hint[0]}'?" if hint else f"Toegestaan: {', '.join(allowed)}."
                self.error(data.key_locations[key], _join(path, key), f"onbekend veld '{key}'. {fix}")
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
                self.where(data, key), _join(path, key), f"hier hoort een tekst, maar er staat {_describe(value)}."
            )
            return None
        text = str(value).strip()
        if not text:
            self.error(self.where(data, key), _join(path, key), "de tekst is leeg.")
            return None
        return text

    def localized(self, data: LocatedMap, key: str, path: str, *, required: bool = True) -> Localized | None:
        """A text per language: {nl: ..., en: ...}; a plain string counts as Dutch only."""
        if key not in data:
            if required:
                self.error(data.location, path, f"het veld '{key}' ontbreekt; geef een tekst met nl: en en:.")
            return None
        value, where, full = data[key], self.where(data, key), _join(path, key)
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
                _join(path, key),
                f"hier hoort een lijst (regels die met '- ' beginnen), maar er staat {_describe(value)}.",
            )
            return []
        return [(item, value.item_locations[i], f"{_join(path, key)}[{i}]") for i, item in enumerate(value)]

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
            self.error(self.where(data, key), _join(path, key), f"hier hoort true of false, niet {_describe(value)}.")
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
            _join(path, key),
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
            full = _join(path, key)
            body = self.mapping(
                data[key], self.where(data, key), full, "een voorwaarde zoals {rol: [raadslid, statenlid]}"
            )
            pairs: list[tuple[str, frozenset[str]]] = []
            for name, values in (body or {}).items():
                where = body.value_locations[name] if body is not None else data.location
                raw = values if isinstance(values, list) else [values]
                if not raw or not all(isinstance(v, str) for v in raw):
                    self.error(
                        where, _join(full, name), "geef een waarde of een lijst waarden, zoals [raadslid, statenlid]."
                    )
                    continue
                pairs.append((name, frozenset(v.strip() for v in raw)))
            parts[key] = tuple(sorted(pairs, key=lambda pair: pair[0]))
        if not parts["when"] and not parts["unless"]:
            return ALWAYS
        return Condition(when=parts["when"], unless=parts["unless"])


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: Any) -> str:
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


def _read_option(reader: _Reader, value: Any, where: Location, path: str) -> Option | None:
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
            _join(path, "set"),
            "variabelen met hun waarde, zoals {rol: raadslid}",
        )
        for name, set_value in (body or {}).items():
            if not isinstance(set_value, str):
                reader.error(
                    body.value_locations[name] if body else where,
                    _join(path, f"set.{name}"),
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


def _read_node(reader: _Reader, node_id: str, value: Any, where: Location, path: str) -> Node | None:
    data = reader.mapping(value, where, path, "een stap met text: en options:")
    if data is None:
        return None
    reader.keys(
        data, path, ("title", "text", "paragraphs", "contacts", "options", "end", "requires", "outcome"), ("text",)
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
        if (option := _read_option(reader, item, item_where, item_path)) is not None
    ]
    requires = [str(item).strip() for item, _, _ in reader.items(data, "requires", path) if item is not None]
    outcome = reader.text(data, "outcome", path, required=False)
    end = reader.flag(data, "end", path)
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
    )


def _read_hours(reader: _Reader, data: LocatedMap, path: str) -> OpeningHours:
    if "hours" not in data or data["hours"] is None:
        return OpeningHours()
    value, where, full = data["hours"], reader.where(data, "hours"), _join(path, "hours")
    if isinstance(value, str) and value.strip().replace(" ", "") in {"24/7", "24x7"}:
        return OpeningHours(always=True)
    body = reader.mapping(value, where, full, '"24/7" of een schedule: met dagen en tijden')
    if body is None:
        return OpeningHours()
    reader.keys(body, full, ("schedule", "note"), ("schedule",))
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
                    _join(item_path, key),
                    f"'{raw}' is geen tijd; schrijf hem als \"09:00\" (tussen aanhalingstekens).",
                )
            times.append(int(match.group(1)) * 60 + int(match.group(2)) if match else None)
        days = [day for day, _, _ in reader.items(block, "days", item_path)]
        unknown = [day for day in days if day not in WEEKDAYS]
        if unknown:
            reader.error(
                reader.where(block, "days"),
                _join(item_path, "days"),
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


def _read_contact(reader: _Reader, contact_id: str, value: Any, where: Location, path: str) -> Contact | None:
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
        hours=_read_hours(reader, data, path),
        review_by=reader.day(data, "review_by", path, required=False),
        caveat=reader.localized(data, "caveat", path, required=False),
        location=data.location,
    )
    return contact if None not in (name, purpose, source, verified) else None


def _read_guide_section(reader: _Reader, value: Any, where: Location) -> dict[str, Any] | None:
    data = reader.mapping(value, where, "guide", "de instellingen start:, emergency:, help:, buttons: en messages:")
    if data is None:
        return None
    reader.keys(
        data,
        "guide",
        ("start", "emergency", "help", "buttons", "messages"),
        ("start", "emergency", "help", "buttons", "messages"),
    )
    result: dict[str, Any] = {key: reader.text(data, key, "guide") for key in ("start", "emergency", "help")}
    for group, required_keys in (("buttons", BUTTON_KEYS), ("messages", MESSAGE_KEYS)):
        path = f"guide.{group}"
        body = (
            reader.mapping(data.get(group), reader.where(data, group), path, "teksten per sleutel")
            if group in data
            else None
        )
        texts: dict[str, Localized] = {}
        if body is not None:
            reader.keys(body, path, required_keys, required_keys)
            for key in required_keys:
                if key in body and (text := reader.localized(body, key, path)) is not None:
                    texts[key] = text
        result[group] = texts
    if (
        any(result[key] is None for key in ("start", "emergency", "help"))
        or len(result["buttons"]) != len(BUTTON_KEYS)
        or len(result["messages"]) != len(MESSAGE_KEYS)
    ):
        return None
    return result


def _read_keyword(reader: _Reader, value: Any, where: Location, path: str) -> KeywordRoute | None:
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


@dataclass
class _Parts:
    guide: dict[str, Any] | None = None
    nodes: dict[str, Node] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)
    entry_points: dict[str, tuple[str, Location]] = field(default_factory=dict)
    keywords: list[KeywordRoute] = field(default_factory=list)
    seen: dict[tuple[str, str], Location] = field(default_factory=dict)


def _claim(reader: _Reader, parts: _Parts, section: str, key: str, where: Location) -> bool:
    """Each node, contact, variable and entry point may be defined once across all files."""
    first = parts.seen.get((section, key))
    if first is not None:
        reader.error(
            where, f"{section}.{key}", f"'{key}' is al gedefinieerd in {first}; geef een van beide een andere naam."
        )
        return False
    parts.seen[(section, key)] = where
    return True


def _read_id_section(
    reader: _Reader,
    parts: _Parts,
    body: LocatedMap,
    section: str,
    what: str,
    build: Callable[[_Reader, str, Any, Location, str], T | None],
    into: dict[str, T],
) -> None:
    for key, value in body.items():
        key_where = body.key_locations[key]
        if reader.identifier(key, key_where, f"{section}.{key}", what) is None:
            continue
        if not _claim(reader, parts, section, key, key_where):
            continue
        built = build(reader, key, value, body.value_locations[key], f"{section}.{key}")
        if built is not None:
            into[key] = built


def _read_variable(reader: _Reader, name: str, value: Any, where: Location, path: str) -> Variable | None:
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


def _read_file(reader: _Reader, parts: _Parts, source: SourceFile) -> None:
    root = source.data
    if root is None:
        return
    if not isinstance(root, LocatedMap):
        reader.error(
            Location(source.display, 1, 1),
            "",
            "het bestand moet beginnen met een van de "
            f"secties {', '.join(SECTIONS)}, elk gevolgd door een dubbele punt.",
        )
        return
    reader.keys(root, "", SECTIONS, ())
    for section in SECTIONS:
        if section not in root or root[section] is None:
            continue
        value, where = root[section], root.value_locations[section]
        if section == "guide":
            if _claim(reader, parts, "guide", "", root.key_locations[section]):
                parts.guide = _read_guide_section(reader, value, where)
            continue
        if section == "keywords":
            container = LocatedMap()
            container.location, container.key_locations = root.location, {}
            container.value_locations = {"keywords": where}
            container["keywords"] = value
            parts.keywords += [
                route
                for item, item_where, item_path in reader.items(container, "keywords", "")
                if (route := _read_keyword(reader, item, item_where, item_path)) is not None
            ]
            continue
        body = reader.mapping(value, where, section, f"de inhoud van {section}")
        if body is None:
            continue
        if section == "nodes":
            _read_id_section(reader, parts, body, section, "een stap", _read_node, parts.nodes)
        elif section == "contacts":
            _read_id_section(reader, parts, body, section, "een contact", _read_contact, parts.contacts)
        elif section == "variables":
            _read_id_section(reader, parts, body, section, "een variabele", _read_variable, parts.variables)
        else:
            for payload, target in body.items():
                payload_where = body.key_locations[payload]
                if not PAYLOAD_PATTERN.match(str(payload)):
                    reader.error(
                        payload_where,
                        f"entry_points.{payload}",
                        f"'{payload}' kan niet in een Telegram-link: gebruik 1 tot 64 tekens A-Z a-z 0-9 _ -.",
                    )
                    continue
                if not isinstance(target, str) or not target.strip():
                    reader.error(
                        body.value_locations[payload],
                        f"entry_points.{payload}",
                        "geef de naam van de stap waar deze link heen gaat.",
                    )
                    continue
                if _claim(reader, parts, "entry_points", str(payload), payload_where):
                    parts.entry_points[str(payload)] = (target.strip(), body.value_locations[payload])


def guide_version(sources: list[SourceFile]) -> str:
    digest = hashlib.blake2b(digest_size=6)
    for source in sources:
        digest.update(source.display.encode())
        digest.update(b"\0")
        digest.update(source.text.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def load_guide(flows_dir: Path, *, today: date | None = None) -> LoadResult:
    """Read, build and check the guide in `flows_dir`. Never raises for bad content."""
    from bot.flow.checks import check_guide  # checks builds on the model this module makes

    if not flows_dir.is_dir():
        where = Location(str(flows_dir), 1, 1)
        return LoadResult(
            None, [Problem(where, "error", "", "deze map bestaat niet; geef de map met de YAML-bestanden van de gids.")]
        )
    paths = flow_files(flows_dir)
    display_root = flows_dir
    sources = [read_yaml(path, str(display_root / path.name)) for path in paths]
    reader = _Reader()
    for source in sources:
        reader.problems.extend(source.problems)
    if not sources:
        reader.error(Location(str(flows_dir), 1, 1), "", "geen .yaml-bestanden gevonden in deze map.")
        return LoadResult(None, reader.problems, [])
    parts = _Parts()
    for source in sources:
        _read_file(reader, parts, source)
    unreadable = [source.display for source in sources if source.data is None]
    files = [source.display for source in sources]
    if parts.guide is None:
        if not any(section == "guide" for section, _ in parts.seen):
            reader.error(
                Location(sources[0].display, 1, 1),
                "guide",
                "de sectie guide: (start, emergency, help, buttons, messages) ontbreekt in alle bestanden.",
            )
        return LoadResult(None, _sorted(reader.problems), files)
    guide = Guide(
        start=parts.guide["start"],
        emergency=parts.guide["emergency"],
        help=parts.guide["help"],
        nodes=parts.nodes,
        contacts=parts.contacts,
        variables=parts.variables,
        keywords=tuple(parts.keywords),
        entry_points={payload: target for payload, (target, _) in parts.entry_points.items()},
        buttons=parts.guide["buttons"],
        messages=parts.guide["messages"],
        version=guide_version(sources),
    )
    entry_locations = {payload: where for payload, (_, where) in parts.entry_points.items()}
    guide_location = parts.seen[("guide", "")]
    reader.problems += check_guide(
        guide,
        today=today or datetime.now(AMSTERDAM).date(),
        entry_locations=entry_locations,
        guide_location=guide_location,
        unreadable=unreadable,
    )
    # The guide is returned even with errors so tools (graph, preview, diff) can show it; the bot
    # and the chat only use it when `LoadResult.ok`.
    return LoadResult(guide, _sorted(reader.problems), files)


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.location.file, p.location.line, p.location.column, p.message))
