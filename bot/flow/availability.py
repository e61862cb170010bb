"""Which help line is open at a given moment, and in which order contact cards are shown.

The order is an engine rule, not something editors arrange by hand: someone reading the guide at
23:30 must see a line that answers then before one that opens tomorrow at nine. Pure: the moment
comes from the caller (the clock, `--at` in the staff tools, or a conversation test's `time:`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.flow.model import Contact, OpeningHours

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# What "office hours" means for lines whose hours we do not know: Monday to Friday, 09:00-17:00.
# Outside these, such a line is probably closed, so it moves below the lines known to be open.
OFFICE_DAYS = range(5)
OFFICE_OPENS, OFFICE_CLOSES = 9 * 60, 17 * 60

# Ranks, lowest first. Within a rank the editor's order in the YAML is kept.
OPEN_ALWAYS, OPEN_NOW, WEB_PAGE, HOURS_UNKNOWN, CLOSED = range(5)


def next_opening(hours: OpeningHours, now: datetime) -> datetime | None:
    """The next moment the line opens, or None when it has no schedule."""
    local = now.astimezone(AMSTERDAM)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    for day_offset in range(8):
        day = midnight + timedelta(days=day_offset)
        for slot in sorted(hours.slots, key=lambda s: s.opens):
            if slot.weekday != day.weekday():
                continue
            opening = day + timedelta(minutes=slot.opens)
            if opening > local:
                return opening
    return None


def is_open(hours: OpeningHours, now: datetime) -> bool:
    if hours.always:
        return True
    local = now.astimezone(AMSTERDAM)
    minute = local.hour * 60 + local.minute
    return any(slot.weekday == local.weekday() and slot.opens <= minute < slot.closes for slot in hours.slots)


def in_office_hours(now: datetime) -> bool:
    local = now.astimezone(AMSTERDAM)
    minute = local.hour * 60 + local.minute
    return local.weekday() in OFFICE_DAYS and OFFICE_OPENS <= minute < OFFICE_CLOSES


def is_line(contact: Contact) -> bool:
    """A card you can call; a card with only a web page or e-mail is not a line."""
    return contact.phone is not None


def rank(contact: Contact, now: datetime) -> int:
    """Where a contact belongs at this moment: open lines first, closed lines last."""
    if not is_line(contact):
        return WEB_PAGE
    hours = contact.hours
    if hours.always:
        # In office hours a 24/7 line is one of the open lines; outside them it leads.
        return OPEN_NOW if in_office_hours(now) else OPEN_ALWAYS
    if hours.slots:
        return OPEN_NOW if is_open(hours, now) else CLOSED
    # Hours not known: in office hours most lines answer, so keep the editor's place among the open
    # ones; outside office hours it may well be closed, so it follows the lines known to be open.
    return OPEN_NOW if in_office_hours(now) else HOURS_UNKNOWN


def by_availability(contacts: Iterable[Contact], now: datetime) -> list[Contact]:
    """The contacts in showing order at `now`; stable, so equal ranks keep the YAML order."""
    return sorted(contacts, key=lambda contact: rank(contact, now))


def parse_moment(text: str) -> datetime:
    """'2026-12-05 23:30' (or ISO 8601) as a moment; without a zone it is Amsterdam local time.

    Raises ValueError with a message that says how to write it.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date and time; write it as \"2026-12-05 23:30\" (Europe/Amsterdam local time)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=AMSTERDAM)
