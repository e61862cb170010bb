"""`wegwijzer preview -o preview.html`: one self-contained page showing every node as in the chat.

For review meetings and for staff without a test bot: each node's message bubble, its buttons (each
a link to the node it leads to), contact cards with opening hours, Dutch and English side by side
(or one of them, switched without scripts), and every problem from the checks beside the node it
concerns. No scripts, fonts, images or style sheets from elsewhere: a Content-Security-Policy
forbids loading anything, and contacts' web addresses are shown as text, not as links.
"""

from __future__ import annotations

import argparse
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from bot.authoring import FAILED, OK, USAGE_ERROR, flows_dir, load_flows, say, say_error
from bot.authoring.graph import option_label
from bot.flow.availability import rank
from bot.flow.loader import LoadResult
from bot.flow.model import LANGUAGES, Condition, ContactRef, Guide, Node
from bot.flow.render import AMSTERDAM, contact_card, describe_schedule
from bot.flow.yamlsource import Problem

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}

STYLE = """
:root { --ink:#1d2327; --muted:#5f6b73; --line:#d5dbe0; --chat:#dfe8d8; --button:#4f7a63;
        --error:#b3261e; --warning:#8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #f4f6f8; }
header, nav, section, main { max-width: 1100px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 16px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 0; }
h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted);
     margin: 0 0 6px; }
code { font-size: .85em; background: #e8ecef; padding: 1px 5px; border-radius: 4px; }
.summary { color: var(--muted); margin: 0 0 8px; }
.switch { display: flex; gap: 6px; flex-wrap: wrap; margin: 8px 0 12px; }
.switch label { border: 1px solid var(--line); background: #fff; border-radius: 16px;
                padding: 4px 12px; cursor: pointer; }
.language-choice { position: absolute; opacity: 0; pointer-events: none; }
#lang-both:checked ~ header label[for=lang-both], #lang-nl:checked ~ header label[for=lang-nl],
#lang-en:checked ~ header label[for=lang-en] { background: var(--ink); color: #fff; }
#lang-nl:checked ~ main .language.en, #lang-en:checked ~ main .language.nl { display: none; }
nav ol { columns: 2 260px; padding-left: 22px; margin: 4px 0 16px; }
section.box, article { background: #fff; border: 1px solid var(--line); border-radius: 10px;
                       padding: 14px 16px; margin: 0 0 16px; }
section.box { width: calc(100% - 32px); max-width: 1068px; margin: 0 auto 16px; }
article:target { outline: 3px solid #1565c0; }
.badge { display: inline-block; font-size: .75rem; border-radius: 10px; padding: 1px 8px;
         margin-left: 4px; background: #e8ecef; vertical-align: middle; }
.badge.emergency { background: #ffebee; color: var(--error); font-weight: 600; }
.badge.end { background: #e8f5e9; color: #2e7d32; }
.badge.errors { background: var(--error); color: #fff; }
.badge.warnings { background: #fff3cd; color: var(--warning); }
.meta { color: var(--muted); font-size: .9rem; margin: 4px 0; }
ul.problems { list-style: none; padding: 0; margin: 8px 0; }
ul.problems li { border-left: 4px solid; padding: 4px 8px; margin: 4px 0; font-size: .9rem;
                 background: #fafafa; }
ul.problems li.error { border-color: var(--error); }
ul.problems li.warning { border-color: #e0a800; }
.severity { font-weight: 700; text-transform: uppercase; font-size: .75rem; }
li.error .severity { color: var(--error); }
li.warning .severity { color: var(--warning); }
.languages { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr));
             gap: 16px; margin-top: 10px; }
.chat { background: var(--chat); border-radius: 12px; padding: 10px; max-width: 440px; }
.bubble { background: #fff; border-radius: 12px 12px 12px 4px; padding: 8px 10px;
          box-shadow: 0 1px 1px rgba(0,0,0,.12); }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 8px; }
.conditional { border-left: 3px dashed #7e57c2; padding-left: 8px; }
.condition { display: block; font-size: .75rem; color: #5e35b1; font-weight: 600; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 6px 8px; margin: 0 0 8px;
        background: #fbfcfd; }
.reviewer { font-size: .75rem; color: var(--muted); border-top: 1px dashed var(--line);
            margin-top: 4px; padding-top: 3px; overflow-wrap: anywhere; }
.buttons { display: flex; flex-direction: column; gap: 4px; margin-top: 6px; }
.buttons .row { display: flex; gap: 4px; }
.button { flex: 1; display: block; text-align: center; background: var(--button); color: #fff;
          text-decoration: none; border-radius: 8px; padding: 7px 8px; font-size: .92rem; }
.button.navigation { background: #7d8b84; }
.button.inactive { opacity: .75; }
.button .condition { color: #f3e5f5; font-weight: 400; }
a.button:hover, a.button:focus { outline: 2px solid #1565c0; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
@media (max-width: 600px) {
  body { font-size: 15px; }
  header, nav, section, main { padding: 0 8px; }
  article, section.box { padding: 10px; }
  section.box { width: calc(100% - 16px); }
}
@media print {
  body { background: #fff; font-size: 10pt; }
  .switch, .language-choice { display: none; }
  article, section.box { break-inside: avoid; border-color: #999; }
  .chat { background: #fff; border: 1px solid #999; }
  .button { background: #fff; color: #000; border: 1px solid #666; text-align: left; }
  .button .condition { color: #333; }
  a.button::after { content: " → " attr(data-target); font-size: .8em; color: #333; }
  a { color: #000; }
}
"""


def _text(value: str) -> str:
    return escape(value, quote=True)


def node_anchor(node_id: str) -> str:
    return f"node-{node_id}"


def reading_order(guide: Guide) -> list[str]:
    """Nodes in the order a user meets them (breadth-first from the start), then the rest."""
    roots = [guide.start, *sorted(set(guide.entry_points.values())), guide.help, guide.emergency]
    seen: list[str] = []
    queue = deque(root for root in roots if root in guide.nodes)
    while queue:
        node_id = queue.popleft()
        if node_id in seen:
            continue
        seen.append(node_id)
        node = guide.nodes[node_id]
        asked = [guide.variables[name].ask for name in node.requires if name in guide.variables]
        targets = [option.goto for option in node.options] + asked
        queue.extend(t for t in targets if t is not None and t in guide.nodes and t not in seen)
    return seen + sorted(set(guide.nodes) - set(seen))


def problems_for(problems: Sequence[Problem], prefix: str) -> list[Problem]:
    """Problems whose dotted path is `prefix` or lies under it (`nodes.online.options[1].goto`)."""
    return [
        problem for problem in problems
        if problem.path == prefix or problem.path.startswith((f"{prefix}.", f"{prefix}["))
    ]


def _problem_list(problems: Iterable[Problem]) -> str:
    items = [
        f'<li class="{_text(problem.severity)}"><span class="severity">'
        f'{"fout" if problem.is_error else "waarschuwing"}</span> '
        f"<code>{_text(str(problem.location))}</code> "
        f"{_text(problem.path + ': ' if problem.path else '')}{_text(problem.message)}</li>"
        for problem in problems
    ]
    return f'<ul class="problems">{"".join(items)}</ul>' if items else ""


def _condition(condition: Condition) -> str:
    if condition.always:
        return ""
    return f'<span class="condition">alleen als {_text(condition.describe())}</span>'


def _bubble(guide: Guide, node: Node, language: str, now: datetime) -> str:
    parts = [f'<p class="text">{_text(node.text.get(language).strip())}</p>']
    for paragraph in node.paragraphs:
        parts.append(
            f'<div class="conditional">{_condition(paragraph.when)}'
            f'<p class="text">{_text(paragraph.text.get(language).strip())}</p></div>'
        )
    # The same order the bot uses at `now`: open lines first, closed lines last.
    def place(ref: ContactRef) -> int:
        return rank(guide.contacts[ref.contact], now) if ref.contact in guide.contacts else 0

    for ref in sorted(node.contacts, key=place):
        contact = guide.contacts.get(ref.contact)
        if contact is None:
            parts.append(f'<div class="card">⚠ onbekend contact <code>{_text(ref.contact)}'
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
            f'<p class="text">{_text(contact_card(contact, now, language))}</p>'
            f'<div class="reviewer"><a href="#contact-{_text(contact.id)}">{_text(contact.id)}</a>'
            f" · {_text(' · '.join(reviewer))}</div></div>"
        )
    return f'<div class="bubble">{"".join(parts)}</div>'


def _target_name(guide: Guide, node_id: str) -> str:
    node = guide.nodes.get(node_id)
    return f"{node.short_title()} ({node_id})" if node is not None else node_id


def _button(guide: Guide, label: str, target: str | None, note: str = "", *,
            navigation: bool = False) -> str:
    classes = "button navigation" if navigation else "button"
    inner = _text(label) + (f'<span class="condition">{_text(note)}</span>' if note else "")
    if target is not None and target in guide.nodes:
        return (f'<a class="{classes}" href="#{node_anchor(target)}" '
                f'data-target="{_text(_target_name(guide, target))}">{inner}</a>')
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
        f'<a href="#{node_anchor(other.id)}">{_text(other.short_title())}</a> '
        f"({_text(option.label.nl)})"
        for other in (guide.nodes[key] for key in sorted(guide.nodes))
        for option in other.options
        if option.goto == node.id
    ]
    lines = []
    if ways:
        lines.append(f'<p class="meta">Ingang: {_text(" · ".join(ways))}</p>')
    if incoming:
        lines.append(f'<p class="meta">Komt van: {", ".join(incoming)}</p>')
    return "".join(lines)


def _badges(guide: Guide, node: Node, problems: Sequence[Problem]) -> str:
    badges = []
    if node.id == guide.start:
        badges.append('<span class="badge">start</span>')
    if node.id == guide.emergency:
        badges.append('<span class="badge emergency">noodstap</span>')
    if node.end:
        badges.append('<span class="badge end">einde</span>')
    if node.requires:
        badges.append(f'<span class="badge">vraagt eerst: {_text(", ".join(node.requires))}</span>')
    if node.outcome:
        badges.append(f'<span class="badge">telt als: {_text(node.outcome)}</span>')
    errors = sum(problem.is_error for problem in problems)
    if errors:
        badges.append(f'<span class="badge errors">{errors} fout(en)</span>')
    if len(problems) - errors:
        badges.append(f'<span class="badge warnings">{len(problems) - errors} waarschuwing(en)</span>')
    return "".join(badges)


def _node_article(guide: Guide, node: Node, problems: Sequence[Problem], now: datetime) -> str:
    columns = "".join(
        f'<div class="language {language}" lang="{language}"><h3>{LANGUAGE_NAMES[language]}</h3>'
        f'<div class="chat">{_bubble(guide, node, language, now)}'
        f"{_buttons(guide, node, language)}</div></div>"
        for language in LANGUAGES
    )
    return (
        f'<article id="{node_anchor(node.id)}"><h2>{_text(node.short_title())} '
        f"<code>{_text(node.id)}</code>{_badges(guide, node, problems)}</h2>"
        f"{_ways_in(guide, node)}{_problem_list(problems)}"
        f'<div class="languages">{columns}</div></article>'
    )


def _contacts_section(guide: Guide, problems: Sequence[Problem], now: datetime) -> str:
    rows = []
    for contact_id in sorted(guide.contacts):
        contact = guide.contacts[contact_id]
        used_by = [
            f'<a href="#{node_anchor(node_id)}">{_text(guide.nodes[node_id].short_title())}</a>'
            for node_id in sorted(guide.nodes)
            if any(ref.contact == contact_id for ref in guide.nodes[node_id].contacts)
        ]
        facts = [
            f"telefoon: {contact.phone or '—'}",
            f"web: {contact.url or '—'}",
            f"e-mail: {contact.email or '—'}",
            f"openingstijden: {describe_schedule(contact.hours)}",
            f"bron: {contact.source}",
            f"gecontroleerd: {contact.verified.isoformat()}",
        ]
        if contact.review_by is not None:
            facts.append(f"herzien vóór: {contact.review_by.isoformat()}")
        rows.append(
            f'<tr id="contact-{_text(contact_id)}"><td><strong>{_text(contact.name.nl)}</strong><br>'
            f"<code>{_text(contact_id)}</code></td>"
            f'<td><p class="text">{_text(chr(10).join(facts))}</p>'
            f"{_problem_list(problems_for(problems, f'contacts.{contact_id}'))}</td>"
            f"<td>{', '.join(used_by) or '—'}</td></tr>"
        )
    return (
        '<section class="box" id="contacten"><h2>Contacten</h2>'
        f'<p class="meta">Bereikbaarheid in de kaarten hierboven berekend op '
        f"{_text(now.astimezone(AMSTERDAM).strftime('%Y-%m-%d %H:%M'))} (Europe/Amsterdam).</p>"
        "<table><tr><th>Contact</th><th>Gegevens</th><th>Getoond in</th></tr>"
        f'{"".join(rows)}</table></section>'
    )


def _entry_section(guide: Guide) -> str:
    rows = [("/start", guide.start), ("/help", guide.help), ("/nood, 🚨-knop", guide.emergency)]
    rows += [(f"link ?start={payload}", target) for payload, target in sorted(guide.entry_points.items())]
    rows += [
        (f"tekst{' (nood)' if route.emergency else ''}: {', '.join(route.words)}", route.goto)
        for route in guide.keywords
    ]
    cells = "".join(
        f"<tr><td>{_text(way)}</td><td>{_link_to(guide, target)}</td></tr>" for way, target in rows
    )
    return (f'<section class="box" id="ingangen"><h2>Ingangen</h2><table>'
            f"<tr><th>Ingang</th><th>Stap</th></tr>{cells}</table></section>")


def _link_to(guide: Guide, node_id: str) -> str:
    if node_id in guide.nodes:
        return f'<a href="#{node_anchor(node_id)}">{_text(_target_name(guide, node_id))}</a>'
    return f"⚠ {_text(node_id)} (bestaat niet)"


def render_preview(result: LoadResult, now: datetime) -> str:
    """The whole preview page for a loaded guide (or, when it could not be built, its problems)."""
    guide = result.guide
    problems = result.problems
    errors = sum(problem.is_error for problem in problems)
    summary = (f"{len(guide.nodes) if guide else 0} stappen, {len(guide.contacts) if guide else 0} "
               f"contacten · {errors} fout(en), {len(problems) - errors} waarschuwing(en)"
               f"{f' · versie {guide.version}' if guide else ''}")
    head = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
        f"<title>Wegwijzer – voorbeeld van de gids</title><style>{STYLE}</style></head><body>"
        '<input type="radio" name="lang" id="lang-both" class="language-choice" checked>'
        '<input type="radio" name="lang" id="lang-nl" class="language-choice">'
        '<input type="radio" name="lang" id="lang-en" class="language-choice">'
        "<header><h1>Wegwijzer – voorbeeld van de gids</h1>"
        f'<p class="summary">{_text(summary)}</p>'
        '<div class="switch"><label for="lang-both">Nederlands + English</label>'
        '<label for="lang-nl">Nederlands</label><label for="lang-en">English</label></div></header>'
    )
    if guide is None:
        body = ('<main><section class="box"><h2>De gids kon niet worden gelezen</h2>'
                f"{_problem_list(problems)}</section></main>")
        return f"{head}{body}</body></html>\n"
    order = reading_order(guide)
    placed = {f"nodes.{node_id}" for node_id in guide.nodes} | {
        f"contacts.{contact_id}" for contact_id in guide.contacts
    }
    general = [
        problem for problem in problems
        if not any(problem.path == p or problem.path.startswith((f"{p}.", f"{p}[")) for p in placed)
    ]
    toc = "".join(
        f'<li><a href="#{node_anchor(node_id)}">{_text(guide.nodes[node_id].short_title())}</a> '
        f"<code>{_text(node_id)}</code>"
        f"{_badges(guide, guide.nodes[node_id], problems_for(problems, f'nodes.{node_id}'))}</li>"
        for node_id in order
    )
    nav = (f'<nav id="inhoud"><h2>Inhoud</h2><ol>{toc}</ol>'
           '<p class="meta"><a href="#ingangen">Ingangen</a> · <a href="#contacten">Contacten</a>'
           "</p></nav>")
    general_box = (f'<section class="box" id="algemeen"><h2>Algemene meldingen</h2>'
                   f"{_problem_list(general)}</section>") if general else ""
    articles = "".join(
        _node_article(guide, guide.nodes[node_id], problems_for(problems, f"nodes.{node_id}"), now)
        for node_id in order
    )
    return (f"{head}{nav}{general_box}{_entry_section(guide)}<main>{articles}</main>"
            f"{_contacts_section(guide, problems, now)}</body></html>\n")


def main(args: argparse.Namespace) -> int:
    result = load_flows(flows_dir(args), "preview")
    if result is None:
        return USAGE_ERROR
    output: Path = args.output
    try:
        at: datetime | None = getattr(args, "at", None)
        output.write_text(render_preview(result, at or datetime.now(AMSTERDAM)), encoding="utf-8")
    except OSError as error:
        say_error(f"Kan {output} niet schrijven ({error.strerror}). Kies een andere plek met -o.")
        return USAGE_ERROR
    errors = len(result.errors)
    say(f"{output} geschreven: {len(result.guide.nodes) if result.guide else 0} stappen, "
        f"{errors} fout(en), {len(result.warnings)} waarschuwing(en).")
    return FAILED if errors else OK
