"""Read a YAML file the safe way and remember where every value stands.

Only `yaml.safe_load` semantics: plain mappings, lists and scalars. Tabs in indentation, duplicate
keys, anchors and aliases (the "billion laughs" trick), huge files and deep nesting are reported as
problems with their line, never raised as a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.flow.model import Location
from bot.flow.slips import explain

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 40
_BOOL_TAG = "tag:yaml.org,2002:bool"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the guide, said so that the person editing the YAML can fix it."""

    location: Location
    severity: str  # "error" or "warning"
    path: str  # dotted place in the YAML: nodes.online.options[2].goto
    message: str
    cause: str = ""  # the file that cannot be read (or is empty) this problem probably follows from

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.location}: {self.severity}: {where}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


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


def _mark(display: str, mark: yaml.Mark | None) -> Location:
    if mark is None:
        return Location(display, 1, 1)
    return Location(display, mark.line + 1, mark.column + 1)


class _Builder:
    """Turns composed YAML nodes into located Python values, refusing shared (aliased) nodes."""

    def __init__(self, display: str, loader: yaml.SafeLoader) -> None:
        self.display = display
        self.loader = loader
        self.seen: set[int] = set()

    def where(self, node: yaml.Node) -> Location:
        return _mark(self.display, node.start_mark)

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


# The YAML parser's complaints, said in the editors' language when no likelier slip is found.
_QUOTE_IT = "zet de tekst tussen dubbele aanhalingstekens"
_REASONS = {
    "did not find expected key": "deze regel springt anders in dan de regels eromheen",
    "expected <block end>": "deze regel springt anders in dan de regels eromheen",
    "mapping values are not allowed in this context": f"een dubbele punt waar die niet mag; {_QUOTE_IT}",
    "mapping values are not allowed here": f"een dubbele punt waar die niet mag; {_QUOTE_IT}",
    "found character that cannot start any token": f"een teken waarmee een waarde niet mag beginnen; {_QUOTE_IT}",
    "did not find expected '-' indicator": "deze regel springt anders in dan de lijst erboven",
    "found undefined alias": "een * (verwijzing) die nergens naar verwijst",
    "could not find expected ':'": "hier hoort een dubbele punt (sleutel: waarde)",
}

_UNCLOSED = {
    "while scanning a quoted scalar": "een tekst tussen aanhalingstekens wordt niet afgesloten",
    "while parsing a flow mapping": "een { ... } wordt niet afgesloten met }",
    "while parsing a flow sequence": "een [ ... ] wordt niet afgesloten met ]",
}


def _dutch_reason(reason: str) -> str:
    for english, dutch in _REASONS.items():
        if reason.startswith(english):
            return dutch
    return "de opmaak klopt hier niet"


# libyaml's parser (when PyYAML was built with it) reads a 2,000-node guide about four times faster;
# both give the same nodes, marks and safe_load semantics.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Characters YAML does not allow in a document (C0/C1 controls except tab, newlines and NEL; BOM-like
# non-characters). Checked first so both parsers give the same friendly message.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _control_character(name: str, text: str) -> Problem | None:
    found = _FORBIDDEN.search(text)
    if found is None:
        return None
    position = found.start()
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return Problem(
        Location(name, line, column),
        "error",
        "",
        f"een onzichtbaar stuurteken (#x{ord(found.group()):04x}) dat YAML niet toestaat. "
        "Verwijder het; typ de tekst eventueel opnieuw.",
    )


def _compose(name: str, text: str) -> tuple[Any, Problem | None]:
    forbidden = _control_character(name, text)
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
        reason = (error.problem or error.context or "").strip()
        # An unclosed quote or bracket is only noticed at the end of the file; point at its start.
        at_end = "end of stream" in reason and error.context_mark is not None
        mark = error.context_mark if at_end else (error.problem_mark or error.context_mark)
        context = (error.context or "").strip()
        if context in _UNCLOSED and error.context_mark is not None:
            return None, Problem(_mark(name, error.context_mark), "error", "",
                                 f"YAML-syntaxfout: {_UNCLOSED[context]}. Sluit hem af op dezelfde regel.")
        where = _mark(name, mark)
        slip = None if at_end else explain(text, where.line, reason)
        if slip is not None:
            line, advice = slip
            lines = text.splitlines()
            column = len(lines[line - 1]) - len(lines[line - 1].lstrip(" ")) + 1 if line <= len(lines) else 1
            return None, Problem(Location(name, line, column), "error", "", f"YAML-syntaxfout: {advice}")
        said = (_UNCLOSED.get(context, "iets dat hier begint, wordt nergens afgesloten")
                if at_end else _dutch_reason(reason))
        return None, Problem(
            where,
            "error",
            "",
            f"YAML-syntaxfout: {said}. Controleer inspringing, dubbele punten en aanhalingstekens "
            "op deze regel en de regel erboven.",
        )
    except yaml.YAMLError:
        return None, Problem(Location(name, 1, 1), "error", "",
                             "YAML-fout: dit bestand is geen geldige YAML. Vergelijk het met een ander bestand in "
                             "deze map, of zet de laatste wijziging terug.")
    finally:
        loader.dispose()
