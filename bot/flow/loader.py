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

from bot.flow import contact_section, guide_section, sections
from bot.flow.model import Contact, Guide, KeywordRoute, Location, Node, Variable
from bot.flow.problem import Problem
from bot.flow.reading import Reader
from bot.flow.render import AMSTERDAM
from bot.flow.routing.teachings import guide_index
from bot.flow.slips import defined_names
from bot.flow.yamlsource import LocatedMap, SourceFile, read_yaml

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

    def lines(self) -> list[str]:
        """Every problem as a line; what follows from an unreadable or empty file is indented under
        it, with a count, so the one thing to fix first stands on top."""
        lines: list[str] = []
        headed: set[str] = set()
        for problem in self.problems:
            if problem.cause and problem.cause not in headed:
                headed.add(problem.cause)
                count = sum(p.cause == problem.cause for p in self.problems)
                lines.append(f"    Daardoor {count} fout(en) elders; die verdwijnen als {problem.cause} "
                             "weer in orde is:")
            lines.append(f"      {problem}" if problem.cause else str(problem))
        return lines


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
                parts.guide = guide_section.read_guide_section(reader, value, where)
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
            _read_id_section(reader, parts, body, section, "een contact", contact_section.read_contact, parts.contacts)
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
    unreadable = _unreadable(sources)
    for source in sources:
        if isinstance(source.data, LocatedMap) and not source.data:
            reader.warning(Location(source.display, 1, 1), "",
                           "dit bestand is leeg (of bevat alleen opmerkingen). Stonden hier stappen of "
                           "contacten, zet ze dan terug; anders kunt u het bestand weghalen.")
    files = [source.display for source in sources]
    if parts.guide is None:
        holder = next((s.display for s in sources if s.data is None and re.search(r"^guide:", s.text, re.M)), None)
        if holder is not None:
            reader.problems.append(Problem(Location(holder, 1, 1), "error", "guide",
                                           f"de sectie guide: staat in {holder}, dat nu niet te lezen is. "
                                           "Herstel eerst de fout in dat bestand.", cause=holder))
        elif not any(section == "guide" for section, _ in parts.seen):
            reader.error(
                Location(sources[0].display, 1, 1),
                "guide",
                "de sectie guide: (start, emergency, help, buttons, messages) ontbreekt in alle bestanden.",
            )
        return LoadResult(None, _causes_first(reader.problems, unreadable), files)
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
        router=guide_index(parts.nodes, parts.keywords, parts.guide["emergency"]),
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
    return LoadResult(guide, _causes_first(reader.problems, unreadable), files)


def _unreadable(sources: list[SourceFile]) -> dict[str, frozenset[str] | None]:
    """Files that could not be read, or are empty, with the names they seem to define (None: unknown)."""
    found: dict[str, frozenset[str] | None] = {}
    for source in sources:
        if source.data is None:  # its text, when it could be decoded, says what it defines
            found[source.display] = defined_names(source.text) if source.text else None
        elif isinstance(source.data, LocatedMap) and not source.data:
            found[source.display] = None
    return found


def _causes_first(problems: list[Problem], causes: dict[str, frozenset[str] | None]) -> list[Problem]:
    """The problems in file:line order, except that each file that cannot be read (or is empty)
    comes first, followed by what fails only because of it: the cause before its consequences."""

    def place(problem: Problem) -> tuple[str, int, int, str]:
        return problem.location.file, problem.location.line, problem.location.column, problem.message

    unique = sorted(dict.fromkeys(problems), key=place)
    ordered: list[Problem] = []
    for file in sorted(causes):
        ordered += [p for p in unique if p.location.file == file and not p.path and not p.cause]
        ordered += [p for p in unique if p.cause == file]
    return ordered + [p for p in unique if p not in ordered]
