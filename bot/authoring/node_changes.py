"""What changed in the steps between two guides: added, removed, re-pointed and re-worded.

Buttons are matched by their Dutch label, else by their target, so a renamed or moved button is
reported as such rather than as one removed and one added.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.authoring.graph import option_label
from bot.authoring.text_diff import Section, localized_changes, shown
from bot.flow.model import ContactRef, Guide, Node, Option


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
                             localized_changes(f"label '{new_option.label.nl}'", old_option.label,
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
                   localized_changes("tekst", before.text, after.text)]
    into.texts += [f"{node_id}: {line}" for line in
                   localized_changes("titel", before.title, after.title)]
    for index in range(max(len(before.paragraphs), len(after.paragraphs))):
        old_p = before.paragraphs[index] if index < len(before.paragraphs) else None
        new_p = after.paragraphs[index] if index < len(after.paragraphs) else None
        name = f"alinea {index + 1}"
        into.texts += [f"{node_id}: {line}" for line in localized_changes(
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
            into.other.append(f"{node_id}: {name} {shown(old_value)} → {shown(new_value)}")


def node_sections(old: Guide, new: Guide) -> Iterator[Section]:
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
