"""Which help line comes first: the one that answers at the moment of reading."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.flow.availability import AMSTERDAM, by_availability, parse_moment
from bot.flow.model import Contact, Localized, OpeningHours, OpeningSlot
from bot.flow.render import contact_card

from .test_chat import chat

WEEKDAY_NIGHT = datetime(2026, 12, 2, 23, 30, tzinfo=AMSTERDAM)  # Wednesday
SUNDAY_NIGHT = datetime(2026, 12, 6, 23, 30, tzinfo=AMSTERDAM)
TUESDAY_NOON = datetime(2026, 12, 1, 12, 0, tzinfo=AMSTERDAM)
OFFICE = tuple(OpeningSlot(day, 9 * 60, 17 * 60) for day in range(5))


def _contact(contact_id: str, *, phone: str | None = "070-3738119", hours: OpeningHours | None = None,
             caveat: str | None = None, url: str | None = None) -> Contact:
    return Contact(
        id=contact_id,
        name=Localized(f"Lijn {contact_id}", f"Line {contact_id}"),
        purpose=Localized("Doel.", "Purpose."),
        source="https://example.org",
        verified=date(2026, 11, 29),
        phone=phone,
        url=url,
        hours=hours or OpeningHours(),
        caveat=Localized(caveat) if caveat else None,
    )


OFFICE_LINE = _contact("kantoor", hours=OpeningHours(slots=OFFICE))
UNKNOWN_LINE = _contact("onbekend")
ALWAYS_LINE = _contact("altijd", hours=OpeningHours(always=True))
WEB_PAGE = _contact("web", phone=None, url="https://example.org/uitleg")
AS_WRITTEN = [OFFICE_LINE, WEB_PAGE, UNKNOWN_LINE, ALWAYS_LINE]


def _order(now: datetime) -> list[str]:
    return [contact.id for contact in by_availability(AS_WRITTEN, now)]


@pytest.mark.parametrize("night", [WEEKDAY_NIGHT, SUNDAY_NIGHT])
def test_at_night_the_24_7_line_leads_and_the_closed_line_comes_last(night: datetime) -> None:
    """At 23:30 on a weekday or a Sunday the first card is a line that answers then."""
    assert _order(night) == ["altijd", "web", "onbekend", "kantoor"]


def test_in_office_hours_the_editors_order_is_kept_among_open_lines() -> None:
    """During office hours open and possibly-open lines keep their YAML order; web pages follow."""
    assert _order(TUESDAY_NOON) == ["kantoor", "onbekend", "altijd", "web"]


def test_a_closed_line_says_when_it_opens() -> None:
    """A closed line is not hidden: it says when it opens again."""
    card = contact_card(OFFICE_LINE, WEEKDAY_NIGHT, "nl")
    assert "nu gesloten — opent morgen 09:00" in card
    assert "opens Monday 09:00" in contact_card(OFFICE_LINE, SUNDAY_NIGHT.replace(day=5, hour=8), "en")


def test_a_web_page_card_has_no_phone_icon_and_no_opening_hours() -> None:
    """A card that is only a web page is not a line: no 📞 and no 'openingstijden'."""
    card = contact_card(WEB_PAGE, WEEKDAY_NIGHT, "nl")
    assert "📞" not in card
    assert card.startswith("🌐 Lijn web")
    assert "openingstijden" not in card
    assert "bereikbaar" not in card


def test_unknown_hours_are_said_once_on_a_card() -> None:
    """The card itself says 'openingstijden niet bekend'; it is never said twice."""
    card = contact_card(UNKNOWN_LINE, WEEKDAY_NIGHT, "nl")
    assert card.count("openingstijden niet bekend") == 1


def test_a_moment_is_read_as_amsterdam_local_time() -> None:
    """'2026-12-05 23:30' means 23:30 in Amsterdam; nonsense gets an explanation."""
    moment = parse_moment("2026-12-05 23:30")
    assert (moment.hour, moment.minute, moment.utcoffset()) == (23, 30, AMSTERDAM.utcoffset(moment))
    with pytest.raises(ValueError, match="2026-12-05 23:30"):
        parse_moment("zaterdagavond")


def test_chat_at_a_night_time_shows_the_night_order() -> None:
    """`wegwijzer chat --at` uses that moment for opening hours instead of the clock."""
    night = chat("wethouder\nbeveiliging thuis\n", "--at", "2026-12-02 23:30").stdout
    assert "nu gesloten — opent morgen 09:00" in night
    assert night.index("070-3738314") < night.index("030 – 751 6712")
    day = chat("wethouder\nbeveiliging thuis\n", "--at", "2026-12-01 12:00").stdout
    assert "nu bereikbaar" in day
    assert day.index("030 – 751 6712") < day.index("070-3738314")


def test_chat_refuses_a_time_it_cannot_read() -> None:
    """A wrong --at is a usage error that says how to write the time."""
    run = chat("", "--at", "morgen")
    assert run.returncode == 2
    assert "2026-12-05 23:30" in run.stderr
