"""What changed between two guides, as sections of Dutch lines for a four-eyes review.

Pure: two loaded `Guide`s in, `Section`s out, loudest first: a contact's phone number, web
address, e-mail or opening hours, then new and removed contacts, then nodes added, removed,
re-pointed and re-worded, then keyword routes and fixed texts. `wegwijzer diff`
(bot.authoring.review) finds the two guides and prints the report.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from bot.authoring.graph import option_label
from bot.flow.model import (
    LANGUAGES,
    Contact,
    ContactRef,
    Guide,
    KeywordRoute,
    Localized,
    Node,
    Option,
)
from bot.flow.render import describe_schedule

LOUD = "‼"  # marks changes a reviewer must check against the source before publishing


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    lines: tuple[str, ...]


# --- texts -----------------------------------------------------------------------------------


def word_diff(old: str, new: str, context: int = 6) -> str:
    """A compact inline diff: unchanged words shortened with '…', removed [-so-], added {+so+}."""
    a, b = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    opcodes = matcher.get_opcodes()
    pieces: list[str] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            words = a[i1:i2]
            first, last = index == 0, index == len(opcodes) - 1
            if first and len(words) > context:
                words = ["…", *words[-context:]]
            elif last and len(words) > context:
                words = [*words[:context], "…"]
            elif not first and not last and len(words) > 2 * context:
                words = [*words[:context], "…", *words[-context:]]
            pieces.append(" ".join(words))
            continue
        if i2 > i1:
            pieces.append(f"[-{' '.join(a[i1:i2])}-]")
        if j2 > j1:
            pieces.append(f"{{+{' '.join(b[j1:j2])}+}}")
    return " ".join(piece for piece in pieces if piece)


def _localized_changes(label: str, old: Localized | None, new: Localized | None) -> list[str]:
    lines = []
    for language in LANGUAGES:
        before = old.get(language) if old is not None else ""
        after = new.get(language) if new is not None else ""
        if language == "en":
            before = old.en or "" if old is not None else ""
            after = new.en or "" if new is not None else ""
        if before != after:
            lines.append(f"{label} ({language}): {word_diff(before, after)}")
    return lines


def _hours(contact: Contact) -> str:
    note = f" ({contact.hours.note.nl})" if contact.hours.note is not None else ""
    return describe_schedule(contact.hours) + note


def _shown(value: str | None) -> str:
    return value if value else "(geen)"


# --- contacts --------------------------------------------------------------------------------

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
                            f"{_shown(read(before))} → {_shown(read(after))}")
        for name, read in _QUIET_FIELDS:
            if read(before) != read(after):
                quiet.append(f"{contact_id}: {name} {_shown(read(before))} → {_shown(read(after))}")
        for name, getter in (("naam", "name"), ("doel", "purpose"), ("kanttekening", "caveat")):
            quiet += [f"{contact_id}: {line}" for line in
                      _localized_changes(name, getattr(before, getter), getattr(after, getter))]
    if loud:
        yield Section("CONTACTGEGEVENS GEWIJZIGD — controleer elk tegen de bron", tuple(loud))
    added = [
        f"{LOUD} {_contact_name(new.contacts[c])}: "
        + ", ".join(f"{name} {_shown(read(new.contacts[c]))}" for name, read in _LOUD_FIELDS)
        + f", bron {new.contacts[c].source}"
        for c in sorted(set(new.contacts) - set(old.contacts))
    ]
    if added:
        yield Section("NIEUWE CONTACTEN — controleer elk gegeven tegen de bron", tuple(added))
    removed = [f"{_contact_name(old.contacts[c])}, telefoon {_shown(old.contacts[c].phone)}"
               for c in sorted(set(old.contacts) - set(new.contacts))]
    if removed:
        yield Section("Contacten verwijderd", tuple(removed))
    if quiet:
        yield Section("Andere contactwijzigingen", tuple(quiet))


# --- nodes -----------------------------------------------------------------------------------


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def _target(option: Option) -> str:
    return option.goto or "(verder waar de vraag begon)"


def _match_options(
    old: Sequence[Option], new: Sequence[Option]
) -> tuple[list[tuple[Option, Option]], list[Option], list[Option]]:
    """Pairs of the same button (by Dutch label, else by target), then removed, then added."""
    pairs: list[tuple[Option, Option]] = []
    left, right = list(old), list(new)
    for key in (lambda o: _flat(o.label.nl), lambda o: (o.goto, o.sets)):
        for option in list(left):
            match = next((other for other in right if key(other) == key(option)), None)
            if match is not None:
                pairs.append((option, match))
                left.remove(option)
                right.remove(match)
    return pairs, left, right


def _position(options: Sequence[Option], option: Option) -> int:
    return next(index for index, candidate in enumerate(options) if candidate is option)


def _ref(ref: ContactRef) -> str:
    return ref.contact if ref.when.always else f"{ref.contact} (als {ref.when.describe()})"


@dataclass
class _NodeChanges:
    repointed: list[str]
    buttons: list[str]
    contacts: list[str]
    texts: list[str]
    other: list[str]


def _compare_node(node_id: str, before: Node, after: Node, into: _NodeChanges) -> None:
    pairs, removed, added = _match_options(before.options, after.options)
    for old_option, new_option in pairs:
        label = f"{node_id}: '{new_option.label.nl}'"
        if old_option.goto != new_option.goto:
            into.repointed.append(f"{label}: {_target(old_option)} → {_target(new_option)}")
        if _flat(old_option.label.nl) != _flat(new_option.label.nl):
            into.buttons.append(f"{node_id}: label '{old_option.label.nl}' → '{new_option.label.nl}'")
        elif old_option.label != new_option.label:
            into.buttons += [f"{node_id}: {line}" for line in
                             _localized_changes(f"label '{new_option.label.nl}'", old_option.label,
                                                new_option.label)]
        if (old_option.sets, old_option.when) != (new_option.sets, new_option.when):
            into.buttons.append(f"{label}: {option_label(old_option)} → {option_label(new_option)}")
    into.buttons += [f"{node_id}: knop verwijderd: {option_label(o)} → {_target(o)}" for o in removed]
    into.buttons += [f"{node_id}: knop toegevoegd: {option_label(o)} → {_target(o)}" for o in added]
    by_old = sorted(pairs, key=lambda pair: _position(before.options, pair[0]))
    new_positions = [_position(after.options, new_option) for _, new_option in by_old]
    if new_positions != sorted(new_positions):
        into.buttons.append(f"{node_id}: volgorde van de knoppen gewijzigd")
    old_refs, new_refs = [_ref(r) for r in before.contacts], [_ref(r) for r in after.contacts]
    if old_refs != new_refs:
        into.contacts.append(f"{node_id}: {', '.join(old_refs) or '(geen)'} → "
                             f"{', '.join(new_refs) or '(geen)'}")
    into.texts += [f"{node_id}: {line}" for line in
                   _localized_changes("tekst", before.text, after.text)]
    into.texts += [f"{node_id}: {line}" for line in
                   _localized_changes("titel", before.title, after.title)]
    for index in range(max(len(before.paragraphs), len(after.paragraphs))):
        old_p = before.paragraphs[index] if index < len(before.paragraphs) else None
        new_p = after.paragraphs[index] if index < len(after.paragraphs) else None
        name = f"alinea {index + 1}"
        into.texts += [f"{node_id}: {line}" for line in _localized_changes(
            name, old_p.text if old_p else None, new_p.text if new_p else None)]
        if old_p and new_p and old_p.when != new_p.when:
            into.other.append(f"{node_id}: {name} voorwaarde {old_p.when.describe() or 'altijd'} → "
                              f"{new_p.when.describe() or 'altijd'}")
    for name, old_value, new_value in (
        ("einde", "ja" if before.end else "nee", "ja" if after.end else "nee"),
        ("vraagt eerst", ", ".join(before.requires), ", ".join(after.requires)),
        ("telt als", before.outcome or "", after.outcome or ""),
    ):
        if old_value != new_value:
            into.other.append(f"{node_id}: {name} {_shown(old_value)} → {_shown(new_value)}")


def _node_sections(old: Guide, new: Guide) -> Iterator[Section]:
    removed = sorted(set(old.nodes) - set(new.nodes))
    added = sorted(set(new.nodes) - set(old.nodes))
    if removed:
        yield Section("Stappen verwijderd (wie daar stond, begint opnieuw)",
                      tuple(f"{n} ({old.nodes[n].short_title()})" for n in removed))
    if added:
        yield Section("Stappen toegevoegd", tuple(
            f"{n} ({new.nodes[n].short_title()}): {new.nodes[n].text.nl[:80]}"
            + ("…" if len(new.nodes[n].text.nl) > 80 else "")
            + (f" · contacten: {', '.join(_ref(r) for r in new.nodes[n].contacts)}"
               if new.nodes[n].contacts else "")
            for n in added
        ))
    changes = _NodeChanges([], [], [], [], [])
    for node_id in sorted(set(old.nodes) & set(new.nodes)):
        _compare_node(node_id, old.nodes[node_id], new.nodes[node_id], changes)
    for title, lines in (
        ("Knoppen omgeleid (label: oud doel → nieuw doel)", changes.repointed),
        ("Contacten per stap gewijzigd", changes.contacts),
        ("Knoppen toegevoegd, verwijderd of gewijzigd", changes.buttons),
        ("Teksten herschreven ([-weg-] {+erbij+})", changes.texts),
        ("Overige stapwijzigingen", changes.other),
    ):
        if lines:
            yield Section(title, tuple(lines))


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
            lines.append(f"link ?start={payload}: {_shown(before)} → {_shown(after)}")
    lines += _keyword_lines(old, new)
    for name in sorted(set(old.variables) | set(new.variables)):
        before_v, after_v = old.variables.get(name), new.variables.get(name)
        b = f"{', '.join(before_v.values)} (vraag: {before_v.ask})" if before_v else None
        a = f"{', '.join(after_v.values)} (vraag: {after_v.ask})" if after_v else None
        if a != b:
            lines.append(f"variabele {name}: {_shown(b)} → {_shown(a)}")
    if lines:
        yield Section("Ingangen, trefwoorden en variabelen", tuple(lines))
    fixed = []
    for group in ("buttons", "messages"):
        old_texts, new_texts = getattr(old, group), getattr(new, group)
        for key in sorted(set(old_texts) | set(new_texts)):
            fixed += _localized_changes(f"{group}.{key}", old_texts.get(key), new_texts.get(key))
    if fixed:
        yield Section("Vaste knoppen en berichten", tuple(fixed))


def compare(old: Guide, new: Guide) -> list[Section]:
    """Every difference between two guides, loudest first."""
    return [*_contact_sections(old, new), *_node_sections(old, new), *_route_sections(old, new)]
