"""What changed between two guides, as sections of Dutch lines for a four-eyes review.

Pure: two loaded `Guide`s in, `Section`s out, loudest first: a contact's phone number, web
address, e-mail or opening hours, then new and removed contacts, then nodes added, removed,
re-pointed and re-worded, then keyword routes and fixed texts. `wegwijzer diff`
(bot.authoring.review) finds the two guides and prints the report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from bot.authoring.node_changes import node_sections
from bot.authoring.text_diff import LOUD, Section, localized_changes, shown
from bot.flow.model import Contact, Guide, KeywordRoute
from bot.flow.render import describe_schedule

# --- contacts --------------------------------------------------------------------------------

def _hours(contact: Contact) -> str:
    note = f" ({contact.hours.note.nl})" if contact.hours.note is not None else ""
    return describe_schedule(contact.hours) + note


_LOUD_FIELDS: tuple[tuple[str, Callable[[Contact], str | None]], ...] = (
    ("telefoon", lambda c: c.phone),
    ("web", lambda c: c.url),
    ("e-mail", lambda c: c.email),
    ("openingstijden", _hours),
)
_QUIET_FIELDS: tuple[tuple[str, Callable[[Contact], str | None]], ...] = (
    ("bron", lambda c: c.source),
    ("gecontroleerd", lambda c: c.verified.isoformat()),
    ("herzien vóór", lambda c: c.review_by.isoformat() if c.review_by else None),
)


def _contact_name(contact: Contact) -> str:
    return f"{contact.id} ({contact.name.nl})"


def _contact_sections(old: Guide, new: Guide) -> Iterator[Section]:
    both = sorted(set(old.contacts) & set(new.contacts))
    loud, quiet = [], []
    for contact_id in both:
        before, after = old.contacts[contact_id], new.contacts[contact_id]
        for name, read in _LOUD_FIELDS:
            if read(before) != read(after):
                loud.append(f"{LOUD} {_contact_name(after)}: {name} "
                            f"{shown(read(before))} → {shown(read(after))}")
        for name, read in _QUIET_FIELDS:
            if read(before) != read(after):
                quiet.append(f"{contact_id}: {name} {shown(read(before))} → {shown(read(after))}")
        for name, getter in (("naam", "name"), ("doel", "purpose"), ("kanttekening", "caveat")):
            quiet += [f"{contact_id}: {line}" for line in
                      localized_changes(name, getattr(before, getter), getattr(after, getter))]
    if loud:
        yield Section("CONTACTGEGEVENS GEWIJZIGD — controleer elk tegen de bron", tuple(loud))
    added = [
        f"{LOUD} {_contact_name(new.contacts[c])}: "
        + ", ".join(f"{name} {shown(read(new.contacts[c]))}" for name, read in _LOUD_FIELDS)
        + f", bron {new.contacts[c].source}"
        for c in sorted(set(new.contacts) - set(old.contacts))
    ]
    if added:
        yield Section("NIEUWE CONTACTEN — controleer elk gegeven tegen de bron", tuple(added))
    removed = [f"{_contact_name(old.contacts[c])}, telefoon {shown(old.contacts[c].phone)}"
               for c in sorted(set(old.contacts) - set(new.contacts))]
    if removed:
        yield Section("Contacten verwijderd", tuple(removed))
    if quiet:
        yield Section("Andere contactwijzigingen", tuple(quiet))


# --- routes and fixed texts ------------------------------------------------------------------


def _route(route: KeywordRoute) -> str:
    return f"{'(nood) ' if route.emergency else ''}{', '.join(route.words)} → {route.goto}"


def _keyword_lines(old: Guide, new: Guide) -> list[str]:
    """Keyword changes per target node: which words now lead there and which no longer do."""
    lines = []
    for goto in sorted({r.goto for r in old.keywords} | {r.goto for r in new.keywords}):
        before = [word for r in old.keywords if r.goto == goto for word in r.words]
        after = [word for r in new.keywords if r.goto == goto for word in r.words]
        parts = []
        if removed := [word for word in before if word not in after]:
            parts.append(f"weg: {', '.join(removed)}")
        if added := [word for word in after if word not in before]:
            parts.append(f"erbij: {', '.join(added)}")
        was_emergency = any(r.emergency for r in old.keywords if r.goto == goto)
        is_emergency = any(r.emergency for r in new.keywords if r.goto == goto)
        if was_emergency != is_emergency:
            parts.append("nu een noodroute" if is_emergency else "geen noodroute meer")
        if parts:
            lines.append(f"trefwoorden naar {goto}: {'; '.join(parts)}")
    if not lines and [_route(r) for r in old.keywords] != [_route(r) for r in new.keywords]:
        lines.append("volgorde van de trefwoorden gewijzigd (de eerste passende route wint)")
    return lines


def _route_sections(old: Guide, new: Guide) -> Iterator[Section]:
    lines = [f"guide.{key}: {getattr(old, key)} → {getattr(new, key)}"
             for key in ("start", "emergency", "help") if getattr(old, key) != getattr(new, key)]
    for payload in sorted(set(old.entry_points) | set(new.entry_points)):
        before, after = old.entry_points.get(payload), new.entry_points.get(payload)
        if before != after:
            lines.append(f"link ?start={payload}: {shown(before)} → {shown(after)}")
    lines += _keyword_lines(old, new)
    for name in sorted(set(old.variables) | set(new.variables)):
        before_v, after_v = old.variables.get(name), new.variables.get(name)
        b = f"{', '.join(before_v.values)} (vraag: {before_v.ask})" if before_v else None
        a = f"{', '.join(after_v.values)} (vraag: {after_v.ask})" if after_v else None
        if a != b:
            lines.append(f"variabele {name}: {shown(b)} → {shown(a)}")
    if lines:
        yield Section("Ingangen, trefwoorden en variabelen", tuple(lines))
    fixed = []
    for group in ("buttons", "messages"):
        old_texts, new_texts = getattr(old, group), getattr(new, group)
        for key in sorted(set(old_texts) | set(new_texts)):
            fixed += localized_changes(f"{group}.{key}", old_texts.get(key), new_texts.get(key))
    if fixed:
        yield Section("Vaste knoppen en berichten", tuple(fixed))


def compare(old: Guide, new: Guide) -> list[Section]:
    """Every difference between two guides, loudest first."""
    return [*_contact_sections(old, new), *node_sections(old, new), *_route_sections(old, new)]
