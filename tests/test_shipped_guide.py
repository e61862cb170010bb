"""The guidance we ship: clean, and every situation close at hand by buttons and by words."""

from __future__ import annotations

import re
from collections import deque
from datetime import datetime
from pathlib import Path

import pytest

from bot.flow.engine import handle
from bot.flow.loader import load_guide
from bot.flow.model import Guide
from bot.flow.render import AMSTERDAM
from bot.flow.session import Outcome, Press, SessionState, Start, Text

FLOWS = Path(__file__).resolve().parents[1] / "flows"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=AMSTERDAM)
SITUATIONS = (
    "nood",
    "dreiging",
    "online",
    "doxing",
    "aangifte",
    "nazorg",
    "integriteit",
    "ondermijning",
    "preventie",
    "collega",
    "praten",
    "concreet",
    "stalking",
    "gezin",
    "beelden",
    "nepprofiel",
    "vergadering",
    "kandidaat",
    "namens",
    "geschenken",
    "juridisch",
    "media",
    "klachten",
)


@pytest.fixture(scope="module")
def guide() -> Guide:
    result = load_guide(FLOWS)
    assert result.guide is not None
    return result.guide


def test_the_shipped_guide_has_no_errors_and_no_warnings() -> None:
    """The guide in flows/ loads with zero errors and zero warnings."""
    result = load_guide(FLOWS)
    assert [str(p) for p in result.problems] == []


def test_every_situation_has_an_entry_point(guide: Guide) -> None:
    """Every situation the guide covers can be opened directly with a ?start= link."""
    assert set(SITUATIONS) <= set(guide.entry_points)


def _reachable_within(guide: Guide, presses: int) -> dict[str, int]:
    """Nodes a user sees after at most `presses` button presses from /start, with the fewest presses."""
    first = handle(guide, None, Start(), NOW)
    seen: dict[str, int] = {}
    queue: deque[tuple[Outcome, int]] = deque([(first, 0)])
    visited: set[SessionState] = set()
    while queue:
        outcome, depth = queue.popleft()
        for reply in outcome.replies:
            if reply.node is not None:
                seen.setdefault(reply.node, depth)
        if depth == presses or outcome.state is None or outcome.state in visited:
            continue
        visited.add(outcome.state)
        for reply in outcome.replies:
            for row in reply.buttons:
                for button in row:
                    queue.append((handle(guide, outcome.state, Press(button.action), NOW), depth + 1))
    return seen


def test_every_situation_is_at_most_three_presses_from_the_start(guide: Guide) -> None:
    """Every situation is reached from /start in at most three button presses."""
    reached = _reachable_within(guide, 3)
    far = {name: guide.entry_points[name] for name in SITUATIONS if guide.entry_points[name] not in reached}
    assert far == {}


@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_situation_is_reached_by_at_least_one_keyword(guide: Guide, situation: str) -> None:
    """Typing one of a situation's keywords leads straight to that situation."""
    target = guide.entry_points[situation]
    words = [word for route in guide.keywords if route.goto == target for word in route.words]
    assert words, f"no keyword route leads to {target}"
    typed = words[0].rstrip("*") + ("en" if words[0].endswith("*") else "")
    outcome = handle(guide, None, Text(typed), NOW)
    assert outcome.replies[0].node == target, typed


def test_every_contact_is_sourced_and_dated(guide: Guide) -> None:
    """Every contact names the web page its facts come from and a verification date from 2025 on."""
    for contact in guide.contacts.values():
        assert contact.source.startswith(("https://", "http://")), contact.id
        assert contact.verified.year >= 2025, contact.id


def test_the_fallback_message_names_112_and_the_ondersteuningsteam(guide: Guide) -> None:
    """The fallback after an internal error names 112 and the Ondersteuningsteam's number in both languages."""
    for language in ("nl", "en"):
        text = guide.message("fallback", language)
        assert "112" in text
        assert guide.contacts["ondersteuningsteam"].phone in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_card_says_twice_that_its_hours_are_unknown(guide: Guide, language: str) -> None:
    """A card says 'openingstijden niet bekend' at most once, day or night."""
    from bot.flow.render import contact_card

    phrase = {"nl": "niet bekend", "en": "not known"}[language]
    for moment in (NOW, NOW.replace(hour=23, minute=30)):
        twice = [c.id for c in guide.contacts.values() if contact_card(c, moment, language).count(phrase) > 1]
        assert twice == []


# A sentence that tells the reader to report to, tell, ask or call the mayor.
TO_THE_MAYOR = re.compile(
    r"\b(meld|vertel|vraag|bel|bespreek)\w*\b[^.!?\n]*\b(de|uw) burgemeester\b"
    r"|\b(report|tell|ask|call|talk)\w*\b[^.!?\n]*\bthe mayor\b",
    re.IGNORECASE,
)
# A sentence that names the municipality as the one to report to or as the employer.
TO_THE_MUNICIPALITY = re.compile(
    r"\b(meld|vertel|werkgever|report|tell|employer)\w*\b[^.!?\n]*\b(de gemeente|the municipality)\b"
    r"|\b(de gemeente|the municipality)\b[^.!?\n]*\b(werkgever|employer)\b"
    r"|\bis dat de gemeente\b|\bthat is the municipality\b",
    re.IGNORECASE,
)


def _every_message(guide: Guide, role: str) -> dict[str, str]:
    """Every node as a reader with this role sees it, Dutch and English, at noon and at night."""
    from bot.flow.render import node_text

    texts = {}
    for node in guide.nodes.values():
        for language in ("nl", "en"):
            texts[f"{node.id}.{language}"] = node_text(guide, node, {"rol": role}, language, NOW)
    return texts


def test_a_burgemeester_is_never_told_to_report_to_the_burgemeester(guide: Guide) -> None:
    """No screen tells a mayor to report to, tell or ask 'de burgemeester'."""
    wrong = {key: m.group(0) for key, text in _every_message(guide, "burgemeester").items()
             if (m := TO_THE_MAYOR.search(text))}
    assert wrong == {}


@pytest.mark.parametrize("role", ["gedeputeerde", "statenlid", "waterschapsbestuurder"])
def test_province_and_water_authority_readers_are_not_sent_to_de_gemeente(guide: Guide, role: str) -> None:
    """A gedeputeerde, Statenlid or waterschapsbestuurder is never told to report to 'de gemeente' as employer."""
    wrong = {key: m.group(0) for key, text in _every_message(guide, role).items()
             if (m := TO_THE_MUNICIPALITY.search(text))}
    assert wrong == {}


def test_the_role_checks_would_catch_the_old_wording() -> None:
    """The patterns above match the wording the first edition showed to every role."""
    assert TO_THE_MAYOR.search("Meld het binnen uw organisatie, bijvoorbeeld bij de griffier of de burgemeester.")
    assert TO_THE_MAYOR.search("Report it within your organisation, for example to the clerk or the mayor.")
    old_home = "Voor uw veiligheid zorgt u eerst zelf, daarna uw werkgever. Voor raadsleden, wethouders en " \
        "burgemeesters is dat de gemeente."
    assert TO_THE_MUNICIPALITY.search(old_home)
    assert TO_THE_MUNICIPALITY.search("Uw werkgever is hier de gemeente.")
    assert not TO_THE_MAYOR.search("Als burgemeester meldt u het bij de Commissaris van de Koning.")


@pytest.mark.parametrize("night", ["2026-12-02 23:30", "2026-12-06 23:30", "2026-12-07 03:00"])
def test_at_night_every_screen_starts_with_a_line_that_is_open(guide: Guide, night: str) -> None:
    """At 23:30 on a weekday or Sunday, and at 03:00, the first card of every screen, for every role, answers."""
    from bot.flow.availability import is_open, parse_moment
    from bot.flow.render import visible_contacts

    moment = parse_moment(night)
    roles = [{}] + [{"rol": value} for value in guide.variables["rol"].values]
    closed_first = [
        (node.id, variables.get("rol", "-"), shown[0].id)
        for node in guide.nodes.values()
        for variables in roles
        if (shown := visible_contacts(guide, node, variables, moment))
        and not (shown[0].phone and is_open(shown[0].hours, moment))
    ]
    assert closed_first == []
