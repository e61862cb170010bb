"""The guidance we ship: clean, and every situation close at hand by buttons and by words."""

from __future__ import annotations

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
)


@pytest.fixture(scope="module")
def guide() -> Guide:
    result = load_guide(FLOWS)
    assert result.guide is not None
    return result.guide


def test_the_shipped_guide_has_no_errors_and_no_warnings() -> None:
    result = load_guide(FLOWS)
    assert [str(p) for p in result.problems] == []


def test_every_situation_has_an_entry_point(guide: Guide) -> None:
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
    reached = _reachable_within(guide, 3)
    far = {name: guide.entry_points[name] for name in SITUATIONS if guide.entry_points[name] not in reached}
    assert far == {}


@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_situation_is_reached_by_at_least_one_keyword(guide: Guide, situation: str) -> None:
    target = guide.entry_points[situation]
    words = [word for route in guide.keywords if route.goto == target for word in route.words]
    assert words, f"no keyword route leads to {target}"
    typed = words[0].rstrip("*") + ("en" if words[0].endswith("*") else "")
    outcome = handle(guide, None, Text(typed), NOW)
    assert outcome.replies[0].node == target, typed


def test_every_contact_is_sourced_and_dated(guide: Guide) -> None:
    for contact in guide.contacts.values():
        assert contact.source.startswith(("https://", "http://")), contact.id
        assert contact.verified.year >= 2025, contact.id


def test_the_fallback_message_names_112_and_the_ondersteuningsteam(guide: Guide) -> None:
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
