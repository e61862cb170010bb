"""`wegwijzer diff OLD [NEW]`: what changed in the guide, in Dutch, for a four-eyes review.

OLD and NEW are flow folders or git revisions of the flows folder (`wegwijzer diff HEAD~1`
compares that revision with the working tree; `wegwijzer diff main feature` two branches). The
loudest changes come first: a contact's phone number, web address, e-mail or opening hours, then
new and removed contacts, then nodes added, removed, re-pointed and re-worded.
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.authoring import FAILED, OK, USAGE_ERROR, flows_dir, say, say_error
from bot.authoring.graph import option_label
from bot.flow.loader import LoadResult, load_guide
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
from bot.flows_folder import missing_nl

LOUD = "‼"  # marks changes a reviewer must check against the source before publishing


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    lines: tuple[str, ...]


class RevisionError(Exception):
    """OLD or NEW is neither a folder nor a git revision that has the flows folder."""


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


def render_report(sections: Sequence[Section], old_name: str, new_name: str) -> str:
    lines = [f"Wijzigingen in de gids: {old_name} → {new_name}", ""]
    if not sections:
        lines.append("Geen inhoudelijke verschillen.")
    for section in sections:
        lines.append(f"{section.title} ({len(section.lines)})")
        lines += [f"  {line}" for line in section.lines]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- sides: folders and git revisions --------------------------------------------------------


def _git(arguments: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, check=False)  # noqa: S603,S607 - fixed git arguments, no shell


def _load_revision(revision: str, folder: Path, into: Path) -> tuple[LoadResult, str]:
    """Write the revision's flows/*.yaml into `into` and load them."""
    anchor = folder if folder.is_dir() else Path.cwd()
    top = _git(["rev-parse", "--show-toplevel"], anchor)
    if top.returncode != 0:
        raise RevisionError(f"'{revision}' is geen map, en {anchor} ligt niet in een git-repository.")
    root = Path(top.stdout.decode().strip())
    try:
        prefix = folder.resolve().relative_to(root).as_posix()
    except ValueError as error:
        raise RevisionError(f"de map {folder} ligt niet in de repository {root}.") from error
    if _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], root).returncode != 0:
        raise RevisionError(f"'{revision}' is geen bestaande map en geen git-revisie "
                            "(zoals HEAD~1, main of een commit-hash).")
    listing = _git(["ls-tree", revision, "--", f"{prefix}/"], root)
    names = []
    for row in listing.stdout.decode().splitlines():
        meta, _, path = row.partition("\t")
        if meta.split()[1:2] == ["blob"] and path.endswith((".yaml", ".yml")):
            names.append(path)
    if not names:
        raise RevisionError(f"revisie '{revision}' heeft geen YAML-bestanden in {prefix}/.")
    for path in names:
        content = _git(["show", f"{revision}:{path}"], root)
        (into / Path(path).name).write_bytes(content.stdout)
    return load_guide(into), f"{revision}:{prefix}"


def _load_side(name: str, folder: Path, scratch: Path) -> tuple[LoadResult, str, str]:
    """(result, display name, path prefix as the loader prints it) for one side of the diff."""
    if Path(name).is_dir():
        return load_guide(Path(name)), name, ""
    scratch.mkdir()
    result, display = _load_revision(name, folder, scratch)
    return result, display, str(scratch)


def _problem_lines(result: LoadResult, prefix: str, display: str) -> list[str]:
    lines = [str(problem) for problem in result.problems if problem.is_error]
    return [line.replace(prefix, display, 1) if prefix else line for line in lines]


def main(args: argparse.Namespace) -> int:
    folder = flows_dir(args)
    if args.new is None and not folder.is_dir():
        say_error(f"wegwijzer diff: {missing_nl(folder)}")
        return USAGE_ERROR
    with tempfile.TemporaryDirectory(prefix="wegwijzer-diff-") as temporary:
        try:
            old, old_name, old_prefix = _load_side(args.old, folder, Path(temporary) / "old")
            if args.new is None:
                new, new_name, new_prefix = load_guide(folder), f"{folder} (werkmap)", ""
            else:
                new, new_name, new_prefix = _load_side(args.new, folder, Path(temporary) / "new")
        except RevisionError as error:
            say_error(f"wegwijzer diff: {error}")
            return USAGE_ERROR
        # A version with errors is still compared (the reviewer should see both); one that
        # cannot be read at all cannot.
        for result, display, prefix in ((old, old_name, old_prefix), (new, new_name, new_prefix)):
            errors = _problem_lines(result, prefix, display)
            if errors:
                say(f"Let op: {display} heeft {len(errors)} fout(en); die versie kan niet live:")
                say("\n".join(f"  {line}" for line in errors) + "\n")
        if old.guide is None or new.guide is None:
            say_error("Vergelijken kan pas als beide versies te lezen zijn; herstel de fouten hierboven.")
            return FAILED
        say(render_report(compare(old.guide, new.guide), old_name, new_name).rstrip("\n"))
    return OK
