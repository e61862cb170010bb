"""One node as the preview shows it: its chat bubble and buttons per language, its ways in, its badges.

`bot.authoring.preview` puts these cards on one page with the guide-wide sections around them.
Everything is escaped here; nothing from the YAML reaches the page as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from bot.authoring.graph import option_label
from bot.flow.availability import rank
from bot.flow.model import LANGUAGES, Condition, ContactRef, Guide, Node
from bot.flow.problem import Problem
from bot.flow.render import contact_card, describe_schedule

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


def text(value: str) -> str:
    return escape(value, quote=True)


def node_anchor(node_id: str) -> str:
    return f"node-{node_id}"


def problems_for(problems: Sequence[Problem], prefix: str) -> list[Problem]:
    """Problems whose dotted path is `prefix` or lies under it (`nodes.online.options[1].goto`)."""
    return [
        problem for problem in problems
        if problem.path == prefix or problem.path.startswith((f"{prefix}.", f"{prefix}["))
    ]


def problem_list(problems: Iterable[Problem]) -> str:
    items = [
        f'<li class="{text(problem.severity)}"><span class="severity">'
        f'{"fout" if problem.is_error else "waarschuwing"}</span> '
        f"<code>{text(str(problem.location))}</code> "
        f"{text(problem.path + ': ' if problem.path else '')}{text(problem.message)}</li>"
        for problem in problems
    ]
    return f'<ul class="problems">{"".join(items)}</ul>' if items else ""


def _condition(condition: Condition) -> str:
    if condition.always:
        return ""
    return f'<span class="condition">alleen als {text(condition.describe())}</span>'


def _bubble(guide: Guide, node: Node, language: str, now: datetime) -> str:
    parts = [f'<p class="text">{text(node.text.get(language).strip())}</p>']
    for paragraph in node.paragraphs:
        parts.append(
            f'<div class="conditional">{_condition(paragraph.when)}'
            f'<p class="text">{text(paragraph.text.get(language).strip())}</p></div>'
        )
    # The same order the bot uses at `now`: open lines first, closed lines last.
    def place(ref: ContactRef) -> int:
        return rank(guide.contacts[ref.contact], now) if ref.contact in guide.contacts else 0

    for ref in sorted(node.contacts, key=place):
        contact = guide.contacts.get(ref.contact)
        if contact is None:
            parts.append(f'<div class="card">⚠ onbekend contact <code>{text(ref.contact)}'
                         "</code></div>")
            continue
        reviewer = [
            f"openingstijden: {describe_schedule(contact.hours)}",
            f"bron: {contact.source}",
            f"gecontroleerd: {contact.verified.isoformat()}",
        ]
        if contact.review_by is not None:
            reviewer.append(f"herzien vóór: {contact.review_by.isoformat()}")
        parts.append(
            f'<div class="card{" conditional" if not ref.when.always else ""}">'
            f"{_condition(ref.when)}"
            f'<p class="text">{text(contact_card(contact, now, language))}</p>'
            f'<div class="reviewer"><a href="#contact-{text(contact.id)}">{text(contact.id)}</a>'
            f" · {text(' · '.join(reviewer))}</div></div>"
        )
    return f'<div class="bubble">{"".join(parts)}</div>'


def target_name(guide: Guide, node_id: str) -> str:
    node = guide.nodes.get(node_id)
    return f"{node.short_title()} ({node_id})" if node is not None else node_id


def _button(guide: Guide, label: str, target: str | None, note: str = "", *,
            navigation: bool = False) -> str:
    classes = "button navigation" if navigation else "button"
    inner = text(label) + (f'<span class="condition">{text(note)}</span>' if note else "")
    if target is not None and target in guide.nodes:
        return (f'<a class="{classes}" href="#{node_anchor(target)}" '
                f'data-target="{text(target_name(guide, target))}">{inner}</a>')
    return f'<span class="{classes} inactive">{inner}</span>'


def _buttons(guide: Guide, node: Node, language: str) -> str:
    rows = []
    for option in node.options:
        notes = option_label(option).split(" · ")[1:]
        if option.goto is None:
            notes.append("gaat verder waar de vraag begon")
        elif option.goto not in guide.nodes:
            notes.append(f"⚠ doel '{option.goto}' bestaat niet")
        rows.append(_button(guide, option.label.get(language), option.goto, " · ".join(notes)))
    navigation = []
    if node.id != guide.start:  # the start is where a conversation begins: nothing to go back to
        navigation.append(_button(guide, guide.button("back", language), None, "vorige stap", navigation=True))
        navigation.append(_button(guide, guide.button("restart", language), guide.start, navigation=True))
        rows.append(f'<div class="row">{"".join(navigation)}</div>')
    if node.id != guide.emergency:
        rows.append(_button(guide, guide.button("emergency", language), guide.emergency,
                            navigation=True))
    rows.append(_button(guide, guide.button("erase", language), None, "wist het gesprek",
                        navigation=True))
    return f'<div class="buttons">{"".join(rows)}</div>'


def _ways_in(guide: Guide, node: Node) -> str:
    ways = []
    if node.id == guide.start:
        ways.append("/start")
    if node.id == guide.help:
        ways.append("/help")
    if node.id == guide.emergency:
        ways.append("/nood en de 🚨-knop")
    ways += [f"link ?start={payload}" for payload, target in sorted(guide.entry_points.items())
             if target == node.id]
    ways += [f"tekst: {', '.join(route.words)}" for route in guide.keywords if route.goto == node.id]
    incoming = [
        f'<a href="#{node_anchor(other.id)}">{text(other.short_title())}</a> '
        f"({text(option.label.nl)})"
        for other in (guide.nodes[key] for key in sorted(guide.nodes))
        for option in other.options
        if option.goto == node.id
    ]
    lines = []
    if ways:
        lines.append(f'<p class="meta">Ingang: {text(" · ".join(ways))}</p>')
    if incoming:
        lines.append(f'<p class="meta">Komt van: {", ".join(incoming)}</p>')
    return "".join(lines)


def badges(guide: Guide, node: Node, problems: Sequence[Problem]) -> str:
    badges = []
    if node.id == guide.start:
        badges.append('<span class="badge">start</span>')
    if node.id == guide.emergency:
        badges.append('<span class="badge emergency">noodstap</span>')
    if node.end:
        badges.append('<span class="badge end">einde</span>')
    if node.requires:
        badges.append(f'<span class="badge">vraagt eerst: {text(", ".join(node.requires))}</span>')
    if node.outcome:
        badges.append(f'<span class="badge">telt als: {text(node.outcome)}</span>')
    errors = sum(problem.is_error for problem in problems)
    if errors:
        badges.append(f'<span class="badge errors">{errors} fout(en)</span>')
    if len(problems) - errors:
        badges.append(f'<span class="badge warnings">{len(problems) - errors} waarschuwing(en)</span>')
    return "".join(badges)


def node_article(guide: Guide, node: Node, problems: Sequence[Problem], now: datetime) -> str:
    columns = "".join(
        f'<div class="language {language}" lang="{language}"><h3>{LANGUAGE_NAMES[language]}</h3>'
        f'<div class="chat">{_bubble(guide, node, language, now)}'
        f"{_buttons(guide, node, language)}</div></div>"
        for language in LANGUAGES
    )
    return (
        f'<article id="{node_anchor(node.id)}"><h2>{text(node.short_title())} '
        f"<code>{text(node.id)}</code>{badges(guide, node, problems)}</h2>"
        f"{_ways_in(guide, node)}{problem_list(problems)}"
        f'<div class="languages">{columns}</div></article>'
    )
