"""`wegwijzer graph`: the whole guide as a Mermaid or Graphviz (DOT) diagram.

Mermaid renders in a Git forge's Markdown, where staff already look; DOT is for Graphviz. Both
come from one format-neutral picture (boxes and arrows), sorted and free of timestamps, so the
same flows give the same bytes and a change to the flows shows as a small diff.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.authoring import FAILED, OK, USAGE_ERROR, flows_dir, load_flows, report_problems, say
from bot.flow.model import Guide, Node, Option

Kind = Literal["node", "end", "emergency", "entry", "keyword", "continue", "missing"]

CONTINUE_KEY = "x_verder"  # stands for "go on where the question interrupted" (an option without goto)


@dataclass(frozen=True, slots=True)
class Box:
    key: str  # the diagram's own identifier: n_<node id>, e<n>, k<n> or x_verder
    lines: tuple[str, ...]
    kind: Kind


@dataclass(frozen=True, slots=True)
class Arrow:
    source: str
    target: str
    label: str = ""
    dotted: bool = False


@dataclass(frozen=True, slots=True)
class Picture:
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]


def node_key(node_id: str) -> str:
    return f"n_{node_id}"


def option_label(option: Option) -> str:
    """The button's Dutch label, what it sets and when it is shown, e.g.
    'Burgemeester · zet rol = burgemeester · alleen als rol: raadslid'."""
    parts = [option.label.nl.strip()]
    if option.sets:
        parts.append("zet " + ", ".join(f"{name} = {value}" for name, value in option.sets))
    if not option.when.always:
        parts.append(f"alleen als {option.when.describe()}")
    return " · ".join(parts)


def _node_lines(node: Node) -> tuple[str, ...]:
    title = node.short_title("nl")
    lines = [title] if title == node.id else [title, f"({node.id})"]
    if node.requires:
        lines.append("vraagt eerst: " + ", ".join(node.requires))
    if node.contacts:
        shown = [
            ref.contact if ref.when.always else f"{ref.contact} (als {ref.when.describe()})"
            for ref in node.contacts
        ]
        lines.append(f"📞 {len(shown)} contact{'en' if len(shown) != 1 else ''}: {', '.join(shown)}")
    return tuple(lines)


def _node_kind(guide: Guide, node: Node) -> Kind:
    if node.id == guide.emergency:
        return "emergency"
    return "end" if node.end or not node.options else "node"


def picture(guide: Guide) -> Picture:
    """Every node, option, entry point and keyword route of the guide as boxes and arrows."""
    boxes: list[Box] = []
    arrows: list[Arrow] = []

    entries: list[tuple[str, str]] = [
        ("/start", guide.start),
        ("/help", guide.help),
        ("/nood · 🚨-knop", guide.emergency),
    ]
    entries += [(f"?start={payload}", target) for payload, target in sorted(guide.entry_points.items())]
    for number, (label, target) in enumerate(entries):
        boxes.append(Box(f"e{number}", (label,), "entry"))
        arrows.append(Arrow(f"e{number}", node_key(target)))
    # Keyword routes stay in file order: that order decides which route wins.
    for number, route in enumerate(guide.keywords):
        heading = "tekst (nood)" if route.emergency else "tekst"
        boxes.append(Box(f"k{number}", (f"{heading}: {', '.join(route.words)}",), "keyword"))
        arrows.append(Arrow(f"k{number}", node_key(route.goto), dotted=True))

    needs_continue = False
    for node_id in sorted(guide.nodes):
        node = guide.nodes[node_id]
        boxes.append(Box(node_key(node_id), _node_lines(node), _node_kind(guide, node)))
        for name in node.requires:
            variable = guide.variables.get(name)
            if variable is not None and variable.ask and variable.ask != node_id:
                arrows.append(
                    Arrow(node_key(node_id), node_key(variable.ask), f"vraagt eerst {name}", True)
                )
        for option in node.options:
            if option.goto is None:
                needs_continue = True
                target = CONTINUE_KEY
            else:
                target = node_key(option.goto)
            arrows.append(Arrow(node_key(node_id), target, option_label(option)))
    if needs_continue:
        boxes.append(Box(CONTINUE_KEY, ("↩ verder waar de vraag begon", "(anders de start)"),
                         "continue"))
    # A guide with errors can still be drawn; a target that does not exist gets a warning box.
    drawn = {box.key for box in boxes}
    for key in sorted({arrow.target for arrow in arrows} - drawn):
        boxes.append(Box(key, (f"⚠ ontbreekt: {key.removeprefix('n_')}",), "missing"))
    return Picture(tuple(boxes), tuple(arrows))


# --- Mermaid ---------------------------------------------------------------------------------

# Mermaid reads "#<number>;" as a character; everything that could end a label or be read as
# markup is written that way. '#' itself first, so an editor's '#35;' stays literal text.
_MERMAID_ESCAPES = str.maketrans({
    "#": "#35;",
    '"': "#34;",
    "&": "#38;",
    "<": "#60;",
    ">": "#62;",
    "|": "#124;",
    "`": "#96;",
    "\n": " ",
    "\r": " ",
})

_MERMAID_SHAPES: dict[Kind, tuple[str, str]] = {
    "node": ('["', '"]'),
    "end": ('(["', '"])'),
    "emergency": ('{{"', '"}}'),
    "entry": ('>"', '"]'),
    "keyword": ('>"', '"]'),
    "continue": ('[/"', '"\\]'),
    "missing": ('["', '"]'),
}

_MERMAID_CLASSES: dict[Kind, str] = {
    "end": "einde fill:#e8f5e9,stroke:#2e7d32",
    "emergency": "nood fill:#ffebee,stroke:#c62828,stroke-width:3px",
    "entry": "ingang fill:#e3f2fd,stroke:#1565c0",
    "keyword": "trefwoord fill:#fff8e1,stroke:#f9a825",
    "continue": "verder fill:#f5f5f5,stroke:#757575,stroke-dasharray:4 3",
    "missing": "ontbreekt fill:#fff,stroke:#c62828,stroke-dasharray:4 3,color:#c62828",
}


def mermaid_text(text: str) -> str:
    return text.translate(_MERMAID_ESCAPES)


def to_mermaid(guide: Guide) -> str:
    drawn = picture(guide)
    out = [
        "%% Wegwijzer: de hele gids. Gemaakt met `wegwijzer graph`; niet met de hand bewerken.",
        "flowchart TD",
    ]
    for box in drawn.boxes:
        opening, closing = _MERMAID_SHAPES[box.kind]
        label = "<br/>".join(mermaid_text(line) for line in box.lines)
        out.append(f"    {box.key}{opening}{label}{closing}")
    for arrow in drawn.arrows:
        link = "-.->" if arrow.dotted else "-->"
        text = f'|"{mermaid_text(arrow.label)}"|' if arrow.label else ""
        out.append(f"    {arrow.source} {link}{text} {arrow.target}")
    for kind, definition in _MERMAID_CLASSES.items():
        members = [box.key for box in drawn.boxes if box.kind == kind]
        if members:
            name = definition.split()[0]
            out.append(f"    classDef {definition}")
            out.append(f"    class {','.join(members)} {name}")
    return "\n".join(out) + "\n"


# --- Graphviz DOT ----------------------------------------------------------------------------

_DOT_STYLES: dict[Kind, str] = {
    "node": 'shape=box, style="rounded,filled", fillcolor="#ffffff"',
    "end": 'shape=box, style="rounded,filled,bold", fillcolor="#e8f5e9", color="#2e7d32"',
    "emergency": 'shape=hexagon, style="filled,bold", fillcolor="#ffebee", color="#c62828"',
    "entry": 'shape=cds, style=filled, fillcolor="#e3f2fd", color="#1565c0"',
    "keyword": 'shape=note, style=filled, fillcolor="#fff8e1", color="#f9a825"',
    "continue": 'shape=box, style="dashed,rounded", color="#757575"',
    "missing": 'shape=box, style=dashed, color="#c62828", fontcolor="#c62828"',
}


def dot_text(text: str) -> str:
    """A DOT double-quoted string's content: backslash and quote escaped, no raw line breaks."""
    return (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")
    )


def to_dot(guide: Guide) -> str:
    drawn = picture(guide)
    out = [
        "// Wegwijzer: de hele gids. Gemaakt met `wegwijzer graph --format dot`.",
        "digraph wegwijzer {",
        '    graph [rankdir=TB, charset="UTF-8", fontname="Helvetica"];',
        '    node [fontname="Helvetica", fontsize=11];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    for box in drawn.boxes:
        label = "\\n".join(dot_text(line) for line in box.lines)
        out.append(f'    "{box.key}" [label="{label}", {_DOT_STYLES[box.kind]}];')
    for arrow in drawn.arrows:
        attributes = []
        if arrow.label:
            attributes.append(f'label="{dot_text(arrow.label)}"')
        if arrow.dotted:
            attributes.append("style=dashed")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        out.append(f'    "{arrow.source}" -> "{arrow.target}"{suffix};')
    out.append("}")
    return "\n".join(out) + "\n"


FORMATS: dict[str, Callable[[Guide], str]] = {"mermaid": to_mermaid, "dot": to_dot}


def main(args: argparse.Namespace) -> int:
    result = load_flows(flows_dir(args), "graph")
    if result is None:
        return USAGE_ERROR
    if result.guide is None:
        report_problems(result)
        return FAILED
    # Draw even a guide with errors (a missing target shows as a warning box); say what is wrong.
    if not result.ok:
        report_problems(result)
    say(FORMATS[args.format](result.guide).rstrip("\n"))
    return OK if result.ok else FAILED
