"""Hypothesis drives the engine as a careless, curious or hostile user would.

Random sequences of button presses (valid tokens from the last reply, stale ones from earlier
replies, forged ones), commands with odd arguments, and typed text (emoji, right-to-left marks,
NUL, 4,096 characters) go through `bot.flow.engine.handle` with the shipped guide and with the
small test guide. Between steps the state is stored and read back as JSON, as the store does.

Whatever happens, a user must see an answer they can act on: at least one reply, the 112 button on
every node but the emergency node itself, callback data within Telegram's 64 bytes, and a state
that survives storage. Shrunk failures are kept in tests/regressions/.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flow import actions
from bot.flow.engine import COMMANDS, handle
from bot.flow.loader import load_guide
from bot.flow.model import Guide
from bot.flow.session import (
    MAX_BACK_STEPS,
    Command,
    Event,
    Outcome,
    Press,
    SessionState,
    Start,
    Text,
)

ROOT = Path(__file__).resolve().parents[1]
GUIDES = {"shipped": ROOT / "flows", "basic": ROOT / "tests" / "fixtures" / "core" / "basic"}
MAX_TEXT_UTF16 = 4096
MAX_CALLBACK_BYTES = 64


@cache
def guide(name: str) -> Guide:
    result = load_guide(GUIDES[name])
    assert result.ok, [str(p) for p in result.problems]
    assert result.guide is not None
    return result.guide


# Text a user might type or paste: emoji, bidi controls, NUL and other controls, combining marks,
# surrogate-free astral characters, and the keyword words themselves in odd company.
AWKWARD = ["\u200f", "\u202e", "\u200b", "\x00", "\ufeff", "👮\u200d♀️", "🚨", "e\u0301", "İ", "ß",
           "112", "nood", "bedreig", "ik word bedreigd", "/start", "\n", "\t", "  "]
typed_text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(AWKWARD), max_size=8).map("".join),
    st.builds(lambda a, b: a + b, st.sampled_from(AWKWARD), st.text(max_size=20)),
    st.just("x" * 4096),
    st.just("🚨" * 4096),
    st.just("\x00" * 4096),
)
forged_action = st.one_of(
    st.text(max_size=80),
    st.binary(max_size=64).map(lambda raw: raw.decode("latin-1")),
    st.builds(lambda node, index, check: f"o:{node}:{index}:{check}",
              st.text(alphabet="abcdefghijklmnopqrstuvwxyz_:", max_size=20),
              st.integers(min_value=-5, max_value=1200), st.text(max_size=6)),
    st.sampled_from([actions.BACK, actions.RESTART, actions.EMERGENCY, actions.HELP,
                     f"{actions.LANGUAGE_PREFIX}en", f"{actions.LANGUAGE_PREFIX}nl",
                     f"{actions.LANGUAGE_PREFIX}xx", actions.LANGUAGE_PREFIX, "g:", "o:", "o::::",
                     "g:unknown:x"]),
)
command = st.builds(
    Command,
    st.one_of(st.sampled_from(COMMANDS), st.text(max_size=20)),
    st.one_of(st.just(""), st.sampled_from(["en", "nl", "xx", "online", "dreiging"]), typed_text),
)
# A move names what the user does; "valid" and "stale" pick a button by index when they play.
move = st.one_of(
    st.tuples(st.just("valid"), st.integers(min_value=0, max_value=40)),
    st.tuples(st.just("valid"), st.integers(min_value=0, max_value=40)),
    st.tuples(st.just("valid"), st.integers(min_value=0, max_value=40)),
    st.tuples(st.just("stale"), st.integers(min_value=0, max_value=400)),
    st.tuples(st.just("event"), st.builds(Press, forged_action)),
    st.tuples(st.just("event"), command),
    st.tuples(st.just("event"), st.builds(Text, typed_text)),
    st.tuples(st.just("event"), st.builds(Start, st.one_of(st.none(), st.text(max_size=70),
                                                           st.sampled_from(["online", "dreiging",
                                                                            "integriteit"])))),
)
# Hypothesis wants naive bounds and adds the zone itself.
moment = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),  # noqa: DTZ001
                      timezones=st.just(UTC))


def stored_and_read_back(state: SessionState) -> SessionState:
    """What the SQLite store does with a state: JSON out, JSON in."""
    return SessionState.from_dict(json.loads(json.dumps(state.to_dict(), ensure_ascii=False)))


def assert_usable(g: Guide, event: Event, outcome: Outcome) -> None:
    assert outcome.replies, f"no reply to {event!r}"
    for reply in outcome.replies:
        assert reply.text.strip(), f"an empty reply to {event!r}"
        assert len(reply.text.encode("utf-16-le")) // 2 <= MAX_TEXT_UTF16, "reply longer than Telegram allows"
        for row in reply.buttons:
            for button in row:
                assert button.label.strip()
                assert 0 < len(button.action.encode()) <= MAX_CALLBACK_BYTES, button.action
        if reply.node is not None:
            assert reply.node in g.nodes
            offered = {button.action for row in reply.buttons for button in row}
            if reply.node != g.emergency:
                assert actions.EMERGENCY in offered, f"node {reply.node} without the 112 button"
            assert actions.ERASE in offered, f"node {reply.node} without leave-and-erase"
    if outcome.state is None:
        assert outcome.erase_chat, f"state lost on {event!r}"
        assert outcome.result == "erased", f"state lost on {event!r}"
    else:
        assert outcome.state.node in g.nodes
        assert stored_and_read_back(outcome.state) == outcome.state


def play(g: Guide, moves: list[tuple[str, object]], now: datetime, language: str | None) -> None:
    state: SessionState | None = None
    seen: list[str] = []  # every action token the user was ever shown
    offered: list[str] = []  # the ones on the last reply
    for kind, value in moves:
        if kind == "valid":
            if not offered:
                continue
            event: Event = Press(offered[int(str(value)) % len(offered)])
        elif kind == "stale":
            if not seen:
                continue
            event = Press(seen[int(str(value)) % len(seen)])
        else:
            assert isinstance(value, Press | Command | Text | Start)
            event = value
        outcome = handle(g, state, event, now, language=language)
        assert_usable(g, event, outcome)
        state = stored_and_read_back(outcome.state) if outcome.state is not None else None
        offered = [b.action for reply in outcome.replies for row in reply.buttons for b in row]
        seen.extend(offered)
        del seen[:-400]
        now += timedelta(minutes=7)


FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", list(GUIDES))
@FUZZ
@given(moves=st.lists(move, min_size=1, max_size=40), now=moment,
       language=st.sampled_from([None, "nl", "en", "xx"]))
def test_random_conversations_always_get_a_usable_answer(
    name: str, moves: list[tuple[str, object]], now: datetime, language: str | None
) -> None:
    """Random mixes of real, stale and forged presses, commands and text always get a usable answer."""
    play(guide(name), moves, now, language)


@pytest.mark.parametrize("name", list(GUIDES))
@FUZZ
@given(start=st.sampled_from(["start", "valid"]), presses=st.lists(st.integers(0, 40), max_size=60),
       now=moment)
def test_walking_only_real_buttons_never_strands_anyone(
    name: str, start: str, presses: list[int], now: datetime
) -> None:
    """Long walks through the guide by its own buttons, as most users do."""
    moves: list[tuple[str, object]] = [("event", Start(None))] + [("valid", i) for i in presses]
    play(guide(name), moves, now, "nl")


@pytest.mark.parametrize("name", list(GUIDES))
@settings(max_examples=100, deadline=2000)
@given(state=st.builds(
    SessionState,
    node=st.one_of(st.text(max_size=20), st.sampled_from(["start", "nood", "menu", "hulp"])),
    # At most what the store hands back: SessionState.from_dict keeps the last MAX_BACK_STEPS.
    back=st.lists(st.one_of(st.text(max_size=10), st.just("start")),
                  max_size=MAX_BACK_STEPS).map(tuple),
    language=st.sampled_from(["nl", "en"]),
    variables=st.lists(st.tuples(st.sampled_from(["rol", "x", ""]), st.text(max_size=12)),
                       max_size=3).map(lambda pairs: tuple(sorted(dict(pairs).items()))),
    flow_version=st.text(max_size=12),
    pending=st.one_of(st.none(), st.text(max_size=10), st.just("menu")),
), event=st.one_of(st.builds(Press, forged_action), command, st.builds(Text, typed_text),
                   st.builds(Start, st.none())))
def test_a_damaged_or_outdated_stored_state_is_recovered(
    name: str, state: SessionState, event: Event
) -> None:
    """A state from an older guide or a damaged row: the user lands somewhere real."""
    g = guide(name)
    outcome = handle(g, state, event, datetime(2026, 12, 1, 13, 0, tzinfo=UTC))
    assert_usable(g, event, outcome)


@settings(max_examples=100, deadline=1000)
@given(data=st.one_of(
    st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.integers(), st.text(max_size=8),
                                                     st.lists(st.integers(), max_size=3)),
                    max_size=6),
    st.fixed_dictionaries({"node": st.one_of(st.text(max_size=5), st.integers(), st.none()),
                           "back": st.one_of(st.lists(st.text(max_size=4)), st.text(max_size=4),
                                             st.integers(), st.none()),
                           "variables": st.one_of(st.dictionaries(st.text(max_size=4),
                                                                  st.text(max_size=4)),
                                                  st.lists(st.integers()), st.text(max_size=4)),
                           "pending": st.one_of(st.none(), st.integers(), st.text(max_size=4)),
                           "language": st.one_of(st.sampled_from(["nl", "en", "xx"]), st.none(),
                                                 st.integers(), st.lists(st.text(max_size=2)),
                                                 st.dictionaries(st.text(max_size=2),
                                                                 st.integers(), max_size=2))}),
))
def test_unreadable_stored_state_raises_only_state_error(data: dict[str, object]) -> None:
    """The store treats StateError as 'start afresh'; nothing else may escape from_dict."""
    from bot.flow.session import StateError

    try:
        state = SessionState.from_dict(data)
    except StateError:
        return
    assert stored_and_read_back(state) == state
