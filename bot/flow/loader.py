"""Load the guide from flows/*.yaml into frozen model objects, naming every mistake on the way.

Reading (`reading`, `sections`) checks shapes and types field by field; `checks` then looks at the
guide as a whole (targets, reachability, dead ends, contacts, limits). Both collect problems instead of
stopping at the first, so one run of `wegwijzer check` shows everything that needs fixing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from bot.flow import sections
from bot.flow.model import Contact, Guide, KeywordRoute, Location, Node, Variable
from bot.flow.reading import Reader
from bot.flow.render import AMSTERDAM
from bot.flow.yamlsource import LocatedMap, Problem, SourceFile, read_yaml

SECTIONS = ("guide", "variables", "entry_points", "keywords", "nodes", "contacts")
PAYLOAD_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

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


@dataclass
class _Parts:
    guide: dict[str, Any] | None = None
    nodes: dict[str, Node] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    variables: dict[str, Variable] = field(default_factory=dict)
    entry_points: dict[str, tuple[str, Location]] = field(default_factory=dict)
    keywords: list[KeywordRoute] = field(default_factory=list)
    seen: dict[tuple[str, str], Location] = field(default_factory=dict)


def _claim(reader: Reader, parts: _Parts, section: str, key: str, where: Location) -> bool:
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
    reader: Reader,
    parts: _Parts,
    body: LocatedMap,
    section: str,
    what: str,
    build: Callable[[Reader, str, Any, Location, str], T | None],
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


def _read_file(reader: Reader, parts: _Parts, source: SourceFile) -> None:
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
                parts.guide = sections.read_guide_section(reader, value, where)
            continue
        if section == "keywords":
            container = LocatedMap()
            container.location, container.key_locations = root.location, {}
            container.value_locations = {"keywords": where}
            container["keywords"] = value
            parts.keywords += [
                route
                for item, item_where, item_path in reader.items(container, "keywords", "")
                if (route := sections.read_keyword(reader, item, item_where, item_path)) is not None
            ]
            continue
        body = reader.mapping(value, where, section, f"de inhoud van {section}")
        if body is None:
            continue
        if section == "nodes":
            _read_id_section(reader, parts, body, section, "een stap", sections.read_node, parts.nodes)
        elif section == "contacts":
            _read_id_section(reader, parts, body, section, "een contact", sections.read_contact, parts.contacts)
        elif section == "variables":
            _read_id_section(reader, parts, body, section, "een variabele", sections.read_variable, parts.variables)
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
    reader = Reader()
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
        readability=parts.guide["readability"],
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
