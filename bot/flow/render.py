"""Turn a node into what the user sees: text, contact cards and buttons.

Plain text only (no Markdown or HTML), so nothing a network editor writes can break a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.flow import actions
from bot.flow.availability import AMSTERDAM as AMSTERDAM  # re-exported: many modules take the zone from here
from bot.flow.availability import by_availability, is_line, is_open, next_opening
from bot.flow.model import WEEKDAYS, Contact, Guide, Node, OpeningHours
from bot.flow.session import Button, Reply

_DAY_NAMES = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_WORDS = {
    "nl": {
        "always": "dag en nacht bereikbaar (24/7)",
        "open": "nu bereikbaar",
        "closed": "nu gesloten",
        "opens": "opent",
        "unknown": "openingstijden niet bekend",
        "phone": "Tel.",
        "mail": "E-mail:",
        "today": "vandaag",
        "tomorrow": "morgen",
    },
    "en": {
        "always": "available day and night (24/7)",
        "open": "open now",
        "closed": "closed now",
        "opens": "opens",
        "unknown": "opening hours not known",
        "phone": "Phone",
        "mail": "E-mail:",
        "today": "today",
        "tomorrow": "tomorrow",
    },
}


def _words(language: str) -> Mapping[str, str]:
    return _WORDS.get(language, _WORDS["nl"])


def availability(hours: OpeningHours, now: datetime, language: str) -> str:
    """'dag en nacht bereikbaar', 'nu bereikbaar' or 'nu gesloten — opent dinsdag 09:00'."""
    words = _words(language)
    if hours.always:
        return words["always"]
    if not hours.slots:
        return words["unknown"]
    if is_open(hours, now):
        return words["open"]
    opening = next_opening(hours, now)
    if opening is None:
        return words["closed"]
    local_now = now.astimezone(AMSTERDAM)
    days_ahead = (opening.date() - local_now.date()).days
    if days_ahead == 0:
        day = words["today"]
    elif days_ahead == 1:
        day = words["tomorrow"]
    else:
        day = _DAY_NAMES.get(language, _DAY_NAMES["nl"])[opening.weekday()]
    return f"{words['closed']} — {words['opens']} {day} {opening:%H:%M}"


def describe_schedule(hours: OpeningHours) -> str:
    """Opening hours in short Dutch form, e.g. 'ma–vr 09:00–17:00, za 10:00–12:00'."""
    if hours.always:
        return "24/7"
    if not hours.slots:
        return "onbekend"
    by_times: dict[tuple[int, int], list[int]] = {}
    for slot in sorted(hours.slots, key=lambda s: (s.weekday, s.opens)):
        by_times.setdefault((slot.opens, slot.closes), []).append(slot.weekday)
    parts = []
    for (opens, closes), days in sorted(by_times.items(), key=lambda item: (item[1][0], item[0])):
        times = f"{opens // 60:02d}:{opens % 60:02d}–{closes // 60:02d}:{closes % 60:02d}"
        parts.append(f"{_day_ranges(days)} {times}")
    return ", ".join(parts)


def _day_ranges(days: list[int]) -> str:
    """[0, 1, 2, 3, 4, 6] -> 'ma–vr, zo'."""
    ranges: list[list[int]] = []
    for day in sorted(set(days)):
        if ranges and day == ranges[-1][-1] + 1:
            ranges[-1].append(day)
        else:
            ranges.append([day])
    return ", ".join(WEEKDAYS[r[0]] if len(r) == 1 else f"{WEEKDAYS[r[0]]}–{WEEKDAYS[r[-1]]}" for r in ranges)


def contact_card(contact: Contact, now: datetime, language: str) -> str:
    words = _words(language)
    hours = contact.hours
    note = hours.note.get(language) if hours.note is not None else None
    # Without a schedule, the note ("kantooruren", "terugbellen 08.00-22.00") is the best we know.
    reach = availability(hours, now, language) if hours.known or note is None else note
    # A card that is only a web page (or e-mail) is not a line: no 📞 and no opening hours.
    icon = "📞" if is_line(contact) else "🌐"
    lines = [f"{icon} {contact.name.get(language)}", contact.purpose.get(language)]
    if contact.phone:
        lines.append(f"{words['phone']} {contact.phone} · {reach}")
        if hours.known and note is not None:
            lines.append(note)
    if contact.email:
        lines.append(f"{words['mail']} {contact.email}")
    if contact.url:
        lines.append(contact.url)
    if contact.caveat is not None:
        lines.append(f"⚠️ {contact.caveat.get(language)}")
    return "\n".join(line for line in lines if line)


def visible_contacts(
    guide: Guide, node: Node, variables: Mapping[str, str], now: datetime | None = None
) -> list[Contact]:
    """The node's contacts for these variables; with `now`, in showing order (open lines first)."""
    shown = [
        guide.contacts[ref.contact]
        for ref in node.contacts
        if ref.contact in guide.contacts and ref.when.holds(variables)
    ]
    return shown if now is None else by_availability(shown, now)


def node_text(
    guide: Guide,
    node: Node,
    variables: Mapping[str, str],
    language: str,
    now: datetime,
    contacts: Sequence[Contact] | None = None,
) -> str:
    """The node's text, paragraphs and contact cards; `contacts`: the visible ones, if known."""
    if contacts is None:
        contacts = visible_contacts(guide, node, variables, now)
    blocks = [node.text.get(language).strip()]
    blocks += [paragraph.text.get(language).strip() for paragraph in node.paragraphs if paragraph.when.holds(variables)]
    blocks += [contact_card(contact, now, language) for contact in contacts]
    return "\n\n".join(block for block in blocks if block)


def node_buttons(
    guide: Guide, node: Node, variables: Mapping[str, str], language: str, *, can_go_back: bool
) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = [
        (Button(option.label.get(language), actions.option_action(node.id, index, option)),)
        for index, option in enumerate(node.options)
        if option.when.holds(variables)
    ]
    return (*rows, *navigation_rows(guide, node.id, language, can_go_back=can_go_back))


def navigation_rows(
    guide: Guide, node_id: str, language: str, *, can_go_back: bool
) -> tuple[tuple[Button, ...], ...]:
    """The buttons every screen ends with: back and start again, 112, leave and erase."""
    rows: list[tuple[Button, ...]] = []
    navigation: list[Button] = []
    if can_go_back:
        navigation.append(Button(guide.button("back", language), actions.BACK))
    if node_id != guide.start:
        navigation.append(Button(guide.button("restart", language), actions.RESTART))
    if navigation:
        rows.append(tuple(navigation))
    if node_id != guide.emergency:
        rows.append((Button(guide.button("emergency", language), actions.EMERGENCY),))
    rows.append((Button(guide.button("erase", language), actions.ERASE),))
    return tuple(rows)


def render_node(
    guide: Guide,
    node: Node,
    variables: Mapping[str, str],
    language: str,
    now: datetime,
    *,
    can_go_back: bool,
    preface: str | None = None,
    contacts: Sequence[Contact] | None = None,
) -> Reply:
    """What the user sees of `node`; `contacts`: `visible_contacts` at `now`, when the caller has them."""
    text = node_text(guide, node, variables, language, now, contacts)
    if preface:
        text = f"{preface.strip()}\n\n{text}"
    buttons = node_buttons(guide, node, variables, language, can_go_back=can_go_back)
    return Reply(text=text, buttons=buttons, node=node.id)
