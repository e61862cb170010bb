"""The engine, as a user would meet it: transcripts of presses, commands and typed text."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.flow import actions
from bot.flow.engine import handle, language_from_code
from bot.flow.model import Guide
from bot.flow.session import Command, Event, Outcome, Press, SessionState, Start, Text

from .conftest import TUESDAY_AFTERNOON, WEDNESDAY_NIGHT


class Conversation:
    """A user talking to the engine; keeps only what the engine returns."""

    def __init__(self, guide: Guide, language: str | None = None) -> None:
        self.guide = guide
        self.state: SessionState | None = None
        self.last: Outcome | None = None
        self.language = language
        self.now = TUESDAY_AFTERNOON

    def send(self, event: Event) -> Outcome:
        self.last = handle(self.guide, self.state, event, self.now, language=self.language)
        self.state = self.last.state
        return self.last

    def press(self, label: str) -> Outcome:
        assert self.last is not None
        matches = [b for r in self.last.replies for row in r.buttons for b in row if label in b.label]
        assert len(matches) == 1, f"no single button {label!r} in {self.buttons()}"
        return self.send(Press(matches[0].action))

    def buttons(self) -> list[str]:
        assert self.last is not None
        return [b.label for r in self.last.replies for row in r.buttons for b in row]

    @property
    def text(self) -> str:
        assert self.last is not None
        return "\n".join(r.text for r in self.last.replies)


@pytest.fixture
def user(basic_guide: Guide) -> Conversation:
    return Conversation(basic_guide)


def test_start_asks_the_role_and_offers_112_and_erase(user: Conversation) -> None:
    """/start asks who the user is and offers the roles, the 112 button and leave-and-erase."""
    user.send(Start())
    assert "Wie bent u?" in user.text
    assert user.buttons() == ["Burgemeester", "Wethouder", "Raadslid", "Acuut gevaar: 112", "Verlaten en wissen"]


def test_pressing_through_to_a_threat_shows_the_ondersteuningsteam(user: Conversation) -> None:
    """Pressing Burgemeester then "Ik word bedreigd" shows 112 and the Ondersteuningsteam, counted as completed."""
    user.send(Start())
    user.press("Burgemeester")
    assert "Waar gaat het om?" in user.text
    outcome = user.press("Ik word bedreigd")
    assert "112" in user.text
    assert "070-3738314" in user.text
    assert outcome.result == "completed"
    assert ("contact", "ondersteuningsteam") in {(t.kind, t.name) for t in outcome.tallies}


def test_typed_threat_words_lead_to_the_threat_node_without_keeping_the_text(user: Conversation) -> None:
    """Typed threat words lead to the threat node, and the typed text is not kept in the state."""
    user.send(Start())
    user.send(Text("Ik word BEDREIGD door een inwoner!"))
    assert user.last is not None
    assert user.last.replies[0].node == "dreiging"
    assert "inwoner" not in repr(user.state)


def test_emergency_words_win_over_everything(user: Conversation) -> None:
    """Even a text that also matches another route goes to 112 first."""
    user.send(Start())
    user.send(Text("ik word bedreigd en ben in gevaar"))
    assert user.last is not None
    assert user.last.replies[0].node == "nood"
    assert user.last.result == "emergency"


def test_the_112_button_works_from_every_node(user: Conversation, basic_guide: Guide) -> None:
    """The 112 button leads to the emergency node from every other node."""
    for node in basic_guide.nodes:
        if node == basic_guide.emergency:
            continue
        state = SessionState(node=node, flow_version=basic_guide.version)
        outcome = handle(basic_guide, state, Press(actions.EMERGENCY), TUESDAY_AFTERNOON)
        assert outcome.replies[0].node == "nood", node
        assert "112" in outcome.replies[0].text


def test_back_returns_where_you_came_from_and_restart_keeps_the_role(user: Conversation) -> None:
    """Back returns to the previous step; restart goes to the start and keeps the chosen role."""
    user.send(Start())
    user.press("Raadslid")
    user.press("Ik word bedreigd")
    user.press("Terug")
    assert "Waar gaat het om?" in user.text
    user.press("Opnieuw beginnen")
    assert "Wie bent u?" in user.text
    assert user.state is not None
    assert user.state.variable_map == {"rol": "raadslid"}


def test_a_node_that_needs_the_role_asks_it_first_then_continues(basic_guide: Guide) -> None:
    """A node that needs the role asks for it first, then shows the node for that role."""
    user = Conversation(basic_guide)
    user.send(Start("preventie"))
    assert "Wie bent u?" in user.text
    assert user.state is not None
    assert user.state.pending == "preventie"
    user.press("Raadslid")
    assert "Beveiliging van uw huis." in user.text
    assert "geldt niet voor raadsleden" in user.text
    assert "CCV" not in user.text


def test_role_decides_which_contacts_appear(basic_guide: Guide) -> None:
    """A contact limited to some roles is shown to a wethouder and not to a raadslid."""
    for role, sees_ccv in (("wethouder", True), ("raadslid", False)):
        user = Conversation(basic_guide)
        user.send(Start())
        user.press(role.capitalize())
        user.press("Beveiliging thuis")
        assert ("030 – 751 6712" in user.text) is sees_ccv, role


def test_opening_hours_say_whether_a_line_is_open_now(basic_guide: Guide) -> None:
    """Contact cards say whether a line is open at the conversation's time and when it opens."""
    user = Conversation(basic_guide)
    user.send(Start())
    user.press("Wethouder")
    user.press("Beveiliging thuis")
    assert "nu bereikbaar" in user.text
    user.now = WEDNESDAY_NIGHT
    user.send(Command("taal", "nl"))
    assert "nu gesloten — opent vandaag 09:00" in user.text
    assert "dag en nacht bereikbaar" in user.text


def test_deep_link_opens_the_named_entry_point_and_unknown_payloads_open_the_start(user: Conversation) -> None:
    """A ?start= link opens its entry point; an unknown one opens the start."""
    outcome = user.send(Start("dreiging"))
    assert outcome.replies[0].node == "dreiging"
    assert ("entry", "dreiging") in {(t.kind, t.name) for t in outcome.tallies}
    outcome = user.send(Command("start", "bestaat-niet"))
    assert outcome.replies[0].node == "start"


def test_erase_forgets_the_session_and_asks_the_chat_to_be_deleted(user: Conversation) -> None:
    """Leave-and-erase and /wis forget the session and ask for the chat to be deleted."""
    user.send(Start())
    user.press("Burgemeester")
    outcome = user.press("Verlaten en wissen")
    assert outcome.state is None
    assert outcome.erase_chat
    assert "Gewist" in outcome.replies[0].text
    assert outcome.replies[0].buttons == ()
    outcome = user.send(Command("wis"))
    assert outcome.erase_chat


def test_unknown_text_is_answered_and_the_current_node_shown_again(user: Conversation) -> None:
    """Text nobody understands gets "not understood" and the current step again, whatever its characters."""
    user.send(Start())
    user.press("Burgemeester")
    outcome = user.send(Text("🙂\u202e\x00" + "x" * 4096))
    assert outcome.result == "not_understood"
    assert "Dat begreep ik niet" in user.text
    assert "Waar gaat het om?" in user.text


def test_language_follows_telegram_and_can_be_switched(basic_guide: Guide) -> None:
    """The language follows Telegram's (English for en-*, else Dutch) and /taal switches it."""
    user = Conversation(basic_guide, language=language_from_code("en-GB"))
    user.send(Start())
    assert "Who are you?" in user.text
    user.send(Command("taal"))
    assert "De taal is nu Nederlands." in user.text
    assert "Wie bent u?" in user.text
    assert language_from_code("de") == "nl"
    assert language_from_code(None) == "nl"


def test_help_command_shows_the_help_node(user: Conversation) -> None:
    """/help shows the guide's help node."""
    user.send(Start())
    user.send(Command("help"))
    assert "Hulp bij deze gids." in user.text


@pytest.mark.parametrize(
    "action", ["o:menu:99:abcd", "o:weg:0:abcd", "o:menu:0:0000", "rommel", "", "g:unknown", "o:menu:-1:x"]
)
def test_forged_or_stale_buttons_get_an_explanation_not_an_error(user: Conversation, action: str) -> None:
    """A forged or stale button gets an explanation and the current step, not an error."""
    user.send(Start())
    user.press("Burgemeester")
    outcome = user.send(Press(action))
    assert outcome.result == "stale_button"
    assert "oud bericht" in user.text
    assert "Waar gaat het om?" in user.text


def test_a_press_on_an_older_message_still_works_when_it_fits_the_guide(user: Conversation) -> None:
    """A press on an older message still works when its button fits the guide."""
    user.send(Start())
    start_reply = user.last
    user.press("Burgemeester")
    user.press("Ik word bedreigd")
    user.last = start_reply
    user.press("Wethouder")
    assert "Waar gaat het om?" in user.text
    assert user.state is not None
    assert user.state.variable_map == {"rol": "wethouder"}


def test_a_state_on_a_removed_node_gets_a_polite_restart(basic_guide: Guide) -> None:
    """A state on a node that was removed gets "the guide was updated" and a restart that keeps the role."""
    stale = SessionState(node="verwijderd", back=("start",), flow_version="old", variables=(("rol", "wethouder"),))
    outcome = handle(basic_guide, stale, Press(actions.BACK), TUESDAY_AFTERNOON)
    assert outcome.result == "flow_changed"
    assert outcome.replies[0].text.startswith("De gids is bijgewerkt")
    assert outcome.state is not None
    assert outcome.state.node == "start"
    assert outcome.state.variable_map == {"rol": "wethouder"}


def test_an_option_whose_target_changed_is_not_followed(basic_guide: Guide) -> None:
    """A button made before an edit re-pointed the option must not lead to the new target."""
    user = Conversation(basic_guide)
    user.send(Start())
    user.press("Burgemeester")
    old_button = next(b for r in user.last.replies for row in r.buttons for b in row if "bedreigd" in b.label)  # type: ignore[union-attr]
    menu = basic_guide.nodes["menu"]
    changed = replace(menu, options=(replace(menu.options[0], goto="preventie"), *menu.options[1:]))
    edited = replace(basic_guide, nodes={**basic_guide.nodes, "menu": changed}, version="new")
    outcome = handle(edited, user.state, Press(old_button.action), TUESDAY_AFTERNOON)
    assert outcome.result == "stale_button"


def test_state_round_trips_and_garbage_is_refused(user: Conversation) -> None:
    """A state survives to_dict/from_dict, and malformed stored data raises StateError."""
    user.send(Start())
    user.press("Raadslid")
    assert user.state is not None
    assert SessionState.from_dict(user.state.to_dict()) == user.state
    from bot.flow.session import StateError

    for garbage in ({}, {"node": 5}, {"node": "x", "variables": [1]}, {"node": "x", "back": [None]}):
        with pytest.raises(StateError):
            SessionState.from_dict(garbage)


def test_the_back_stack_stays_bounded(user: Conversation) -> None:
    """However long the conversation, the back stack keeps at most 20 steps."""
    user.send(Start())
    for _ in range(100):
        user.press("Burgemeester")
        user.press("Opnieuw beginnen")
        user.send(Command("help"))
        user.press("Opnieuw beginnen")
    assert user.state is not None
    assert len(user.state.back) <= 20


def test_a_contact_with_only_a_note_on_its_hours_shows_the_note() -> None:
    """'Kantooruren' without a schedule is shown as such, never as 'open now'."""
    from datetime import date

    from bot.flow.model import Contact, Localized, OpeningHours
    from bot.flow.render import contact_card

    contact = Contact(
        id="x",
        name=Localized("Lijn", "Line"),
        purpose=Localized("Doel", "Purpose"),
        source="https://x.nl",
        verified=date(2026, 11, 29),
        phone="070-3738119",
        hours=OpeningHours(note=Localized("kantooruren", "office hours")),
    )
    card = contact_card(contact, WEDNESDAY_NIGHT, "nl")
    assert "Tel. 070-3738119 · kantooruren" in card
    assert "bereikbaar" not in card
    assert "Phone 070-3738119 · office hours" in contact_card(contact, WEDNESDAY_NIGHT, "en")


def test_schedules_are_described_in_short_day_ranges() -> None:
    """Opening hours are described in short day ranges such as "ma–vr 09:00–17:00"."""
    from bot.flow.model import OpeningHours, OpeningSlot
    from bot.flow.render import describe_schedule

    week = tuple(OpeningSlot(day, 9 * 60, 17 * 60) for day in range(5))
    saturday = (OpeningSlot(5, 10 * 60, 12 * 60),)
    assert describe_schedule(OpeningHours(slots=week + saturday)) == "ma–vr 09:00–17:00, za 10:00–12:00"
    assert describe_schedule(OpeningHours(slots=(week[0], week[2]))) == "ma, wo 09:00–17:00"
    assert describe_schedule(OpeningHours(always=True)) == "24/7"
