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
from collections.abc import Sequence
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from bot.authoring import FAILED, OK, USAGE_ERROR, flows_dir, load_flows, say, say_error
from bot.authoring.node_card import (
    badges,
    node_anchor,
    node_article,
    problem_list,
    problems_for,
    target_name,
    text,
)
from bot.flow.loader import LoadResult
from bot.flow.model import Guide
from bot.flow.problem import Problem
from bot.flow.render import AMSTERDAM, describe_schedule

# The page's only style sheet, inlined into the page (the CSP forbids loading one)
STYLE = files("bot.authoring").joinpath("preview.css").read_text(encoding="utf-8")

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


def _contacts_section(guide: Guide, problems: Sequence[Problem], now: datetime) -> str:
    rows = []
    for contact_id in sorted(guide.contacts):
        contact = guide.contacts[contact_id]
        used_by = [
            f'<a href="#{node_anchor(node_id)}">{text(guide.nodes[node_id].short_title())}</a>'
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
            f'<tr id="contact-{text(contact_id)}"><td><strong>{text(contact.name.nl)}</strong><br>'
            f"<code>{text(contact_id)}</code></td>"
            f'<td><p class="text">{text(chr(10).join(facts))}</p>'
            f"{problem_list(problems_for(problems, f'contacts.{contact_id}'))}</td>"
            f"<td>{', '.join(used_by) or '—'}</td></tr>"
        )
    return (
        '<section class="box" id="contacten"><h2>Contacten</h2>'
        f'<p class="meta">Bereikbaarheid in de kaarten hierboven berekend op '
        f"{text(now.astimezone(AMSTERDAM).strftime('%Y-%m-%d %H:%M'))} (Europe/Amsterdam).</p>"
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
        f"<tr><td>{text(way)}</td><td>{_link_to(guide, target)}</td></tr>" for way, target in rows
    )
    return (f'<section class="box" id="ingangen"><h2>Ingangen</h2><table>'
            f"<tr><th>Ingang</th><th>Stap</th></tr>{cells}</table></section>")


def _link_to(guide: Guide, node_id: str) -> str:
    if node_id in guide.nodes:
        return f'<a href="#{node_anchor(node_id)}">{text(target_name(guide, node_id))}</a>'
    return f"⚠ {text(node_id)} (bestaat niet)"


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
        f'<p class="summary">{text(summary)}</p>'
        '<div class="switch"><label for="lang-both">Nederlands + English</label>'
        '<label for="lang-nl">Nederlands</label><label for="lang-en">English</label></div></header>'
    )
    if guide is None:
        body = ('<main><section class="box"><h2>De gids kon niet worden gelezen</h2>'
                f"{problem_list(problems)}</section></main>")
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
        f'<li><a href="#{node_anchor(node_id)}">{text(guide.nodes[node_id].short_title())}</a> '
        f"<code>{text(node_id)}</code>"
        f"{badges(guide, guide.nodes[node_id], problems_for(problems, f'nodes.{node_id}'))}</li>"
        for node_id in order
    )
    nav = (f'<nav id="inhoud"><h2>Inhoud</h2><ol>{toc}</ol>'
           '<p class="meta"><a href="#ingangen">Ingangen</a> · <a href="#contacten">Contacten</a>'
           "</p></nav>")
    general_box = (f'<section class="box" id="algemeen"><h2>Algemene meldingen</h2>'
                   f"{problem_list(general)}</section>") if general else ""
    articles = "".join(
        node_article(guide, guide.nodes[node_id], problems_for(problems, f"nodes.{node_id}"), now)
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
