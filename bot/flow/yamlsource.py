"""Read a YAML file the safe way and remember where every value stands.

Only `yaml.safe_load` semantics: plain mappings, lists and scalars. Tabs in indentation, duplicate
keys, anchors and aliases (the "billion laughs" trick), huge files and deep nesting are reported as
problems with their line, never raised as a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.flow.model import Location
from bot.flow.problem import Problem
from bot.flow.yaml_syntax import control_character, mark_location, syntax_problem

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 40
_BOOL_TAG = "tag:yaml.org,2002:bool"


class LocatedMap(dict[str, Any]):
    """A YAML mapping that also knows where it and each of its keys and values stand."""

    location: Location
    key_locations: dict[str, Location]
    value_locations: dict[str, Location]


class LocatedList(list[Any]):
    """A YAML list that knows where it and each item stand."""

    location: Location
    item_locations: list[Location]


@dataclass
class SourceFile:
    path: Path
    display: str  # the name used in messages, e.g. flows/start.yaml
    data: Any = None  # LocatedMap when the file was read
    problems: list[Problem] = field(default_factory=list)
    text: str = ""


class _AliasUsed(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("alias")
        self.node = node


class _TooDeep(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("depth")
        self.node = node


class _DuplicateKey(Exception):
    def __init__(self, key: str, node: yaml.Node, first: Location) -> None:
        super().__init__("duplicate")
        self.key = key
        self.node = node
        self.first = first


class _BadKey(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("key")
        self.node = node


class _Builder:
    """Turns composed YAML nodes into located Python values, refusing shared (aliased) nodes."""

    def __init__(self, display: str, loader: yaml.SafeLoader) -> None:
        self.display = display
        self.loader = loader
        self.seen: set[int] = set()

    def where(self, node: yaml.Node) -> Location:
        return mark_location(self.display, node.start_mark)

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        if id(node) in self.seen:
            raise _AliasUsed(node)
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            items = LocatedList()
            items.location = self.where(node)
            items.item_locations = []
            for child in node.value:
                items.append(self.build(child, depth + 1))
                items.item_locations.append(self.where(child))
            return items
        if node.tag == _BOOL_TAG and node.value.lower() not in {"true", "false"}:
            # YAML 1.1 reads yes/no/on/off as booleans; in a text like "en: On" that is a trap.
            return node.value
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> LocatedMap:
        mapping = LocatedMap()
        mapping.location = self.where(node)
        mapping.key_locations = {}
        mapping.value_locations = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _BadKey(key_node)
            key = self.loader.construct_object(key_node)
            key_text = str(key) if not isinstance(key, str) else key
            if key_text in mapping:
                raise _DuplicateKey(key_text, key_node, mapping.key_locations[key_text])
            mapping.key_locations[key_text] = self.where(key_node)
            mapping[key_text] = self.build(value_node, depth + 1)
            mapping.value_locations[key_text] = self.where(value_node)
        return mapping


def _tab_problems(display: str, text: str) -> Iterator[Problem]:
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            yield Problem(
                Location(display, number, indent.index("\t") + 1),
                "error",
                "",
                "een tab in het inspringen; YAML staat alleen spaties toe. "
                "Vervang de tab door spaties (bijvoorbeeld twee per niveau).",
            )


def read_yaml(path: Path, display: str | None = None) -> SourceFile:
    """Read one YAML file; problems are collected in the result, never raised."""
    name = display or str(path)
    source = SourceFile(path=path, display=name)
    start = Location(name, 1, 1)
    try:
        raw = path.read_bytes()
    except OSError as error:
        source.problems.append(Problem(start, "error", "", f"kan het bestand niet lezen ({error.strerror})."))
        return source
    if len(raw) > MAX_FILE_BYTES:
        source.problems.append(
            Problem(
                start,
                "error",
                "",
                f"het bestand is te groot ({len(raw) // 1024} KiB; hooguit {MAX_FILE_BYTES // 1024} KiB). "
                "Verdeel de inhoud over meer bestanden.",
            )
        )
        return source
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        source.problems.append(
            Problem(
                Location(name, line, 1),
                "error",
                "",
                "het bestand is geen UTF-8-tekst. Sla het op als UTF-8 in uw editor.",
            )
        )
        return source
    source.text = text
    tabs = list(_tab_problems(name, text))
    if tabs:
        source.problems.extend(tabs)
        return source
    source.data, problem = _compose(name, text)
    if problem is not None:
        source.problems.append(problem)
    return source


# libyaml's parser (when PyYAML was built with it) reads a 2,000-node guide about four times faster;
# both give the same nodes, marks and safe_load semantics.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
def _compose(name: str, text: str) -> tuple[Any, Problem | None]:
    forbidden = control_character(name, text)
    if forbidden is not None:
        return None, forbidden
    loader = _SafeLoader(text)
    builder = _Builder(name, loader)
    try:
        node = loader.get_single_node()
        if node is None:
            empty = LocatedMap()
            empty.location = Location(name, 1, 1)
            empty.key_locations, empty.value_locations = {}, {}
            return empty, None
        return builder.build(node), None
    except _DuplicateKey as error:
        return None, Problem(
            builder.where(error.node),
            "error",
            error.key,
            f"de sleutel '{error.key}' staat twee keer in dezelfde lijst (eerst op regel "
            f"{error.first.line}). Voeg ze samen of geef er een een andere naam.",
        )
    except _AliasUsed as error:
        return None, Problem(
            builder.where(error.node),
            "error",
            "",
            "ankers en verwijzingen (& en *) worden niet ondersteund. Schrijf de waarde voluit.",
        )
    except (_TooDeep, RecursionError) as error:
        where = builder.where(error.node) if isinstance(error, _TooDeep) else Location(name, 1, 1)
        return None, Problem(
            where,
            "error",
            "",
            f"de inhoud is te diep genest (meer dan {MAX_DEPTH} niveaus). Maak de structuur platter.",
        )
    except _BadKey as error:
        return None, Problem(
            builder.where(error.node),
            "error",
            "",
            "een sleutel moet een gewone tekst zijn, geen lijst of mapping.",
        )
    except yaml.MarkedYAMLError as error:
        return None, syntax_problem(name, text, error)
    except yaml.YAMLError:
        return None, Problem(Location(name, 1, 1), "error", "",
                             "YAML-fout: dit bestand is geen geldige YAML. Vergelijk het met een ander bestand in "
                             "deze map, of zet de laatste wijziging terug.")
    finally:
        loader.dispose()
