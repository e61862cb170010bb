"""The understanding layer: typed text to the right screen, danger to life first, never a dead end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.authoring.routing_tests import MIN_ACCURACY, is_route_file, run_route_files, taught_phrasings
from bot.cli import main as cli
from bot.flow.engine import handle
from bot.flow.loader import LoadResult, load_guide
from bot.flow.model import Guide
from bot.flow.routing.index import Teaching, build_index
from bot.flow.routing.router import route
from bot.flow.routing.words import words
from bot.flow.session import Command, Press, Start, Text
from bot.reload import FlowWatcher, GuideHolder

from .conftest import TUESDAY_AFTERNOON

SHIPPED = Path(__file__).resolve().parents[2] / "flows"


@pytest.fixture(scope="module")
def shipped() -> Guide:
    result = load_guide(SHIPPED)
    assert result.ok, [str(p) for p in result.errors]
    assert result.guide is not None
    return result.guide


def _route_files() -> list[Path]:
    return [path for path in sorted((SHIPPED / "tests").glob("*.yaml")) if is_route_file(path)]


def _index(*teachings: Teaching):  # type: ignore[no-untyped-def]
    return build_index(teachings)


def test_words_drop_case_accents_punctuation_and_write_out_chat_spellings() -> None:
    """'M'n ADRES, geïntimideerd!' reads as plain words a router can compare."""
    assert words("M'n ADRES is geïntimideerd!!") == ("mijn", "adres", "is", "geintimideerd")


def test_stems_typos_and_compounds_reach_the_taught_screen() -> None:
    """Another form of a word, a spelling slip and a compound still find the screen they belong to."""
    index = _index(
        Teaching("dreiging", "ik word bedreigd", "t:1", "nl"),
        Teaching("onderzoek", "onderzoek naar mij", "t:2", "nl"),
        Teaching("woning", "mijn woning beveiligen", "t:3", "nl"),
    )
    assert route(index, "bedreigingen").target == "dreiging"
    assert route(index, "ik ben bedriegd").target == "dreiging"
    assert route(index, "er loopt een integriteitsonderzoek naar mij").target == "onderzoek"
    assert route(index, "hoe beveilig ik mijn woningen").target == "woning"


def test_a_fitting_leaf_beats_the_menu_above_it() -> None:
    """'hoe beveilig ik mijn woning' goes to home security, not to the prevention menu."""
    index = _index(
        Teaching("preventie", "beveiliging", "t:1", "nl"),
        Teaching("preventie_woning", "woning beveiligen", "t:2", "nl"),
    )
    assert route(index, "hoe beveilig ik mijn woning").target == "preventie_woning"
    assert route(index, "beveiliging").target == "preventie"


def test_crisis_and_acute_phrasings_count_only_whole() -> None:
    """A crisis phrasing must be in the message as a whole, and a compound part is no weapon."""
    index = _index(
        Teaching("nood", "wapen", "g:1", priority="acute", keyword=True),
        Teaching("crisis", "wil er niet meer zijn", "g:2", priority="crisis", keyword=True),
        Teaching("vergunning", "vergunning aanvragen", "t:1", "nl"),
    )
    assert route(index, "er staat iemand met een wapn").target == "nood"
    assert route(index, "soms wil ik er gewoon niet meer zijn").target == "crisis"
    assert route(index, "ik wil er meer over weten").target != "crisis"
    assert route(index, "hoe vraag ik een wapenvergunning aan").target != "nood"


def test_a_threat_in_the_words_of_a_crisis_phrasing_is_not_a_crisis(shipped: Guide) -> None:
    """Order matters: "hij wil me dood" is a threat, "soms wil ik gewoon dood" is a crisis."""
    assert route(shipped.router, "soms wil ik gewoon dood").target == "crisis"
    assert route(shipped.router, "hij zei dat hij me dood wil hebben, ik ben bang").target != "crisis"
    calm = route(shipped.router, "ik wil er meer over weten")
    assert "crisis" not in [c.target for c in calm.suggestions]


def test_the_index_cannot_be_changed_after_loading(shipped: Guide) -> None:
    """The index inside the guide is read-only, like the guide itself."""
    with pytest.raises(TypeError):
        shipped.router.by_form["nieuw"] = (0,)  # type: ignore[index]


def test_unclear_text_offers_did_you_mean_buttons_with_112_and_the_support_team(shipped: Guide) -> None:
    """Never a dead end: close screens as buttons, the 112 and Ondersteuningsteam lines, counted once."""
    outcome = handle(shipped, None, Text("ik weet niet wat ik moet doen met die inwoner"), TUESDAY_AFTERNOON)
    reply = outcome.replies[0]
    labels = [button.label for row in reply.buttons for button in row]
    assert outcome.result == "did_you_mean"
    assert "Bedoelt u" in reply.text
    assert "112" in reply.text
    assert "070-3738314" in reply.text
    assert 1 <= len([b for row in reply.buttons for b in row if b.action.startswith("g:go:")]) <= 3
    assert "🚨 Acuut gevaar: 112" in labels
    assert [(t.kind, t.name) for t in outcome.tallies] == [("outcome", "did_you_mean")]
    chosen = next(b for row in reply.buttons for b in row if b.action.startswith("g:go:"))
    followed = handle(shipped, outcome.state, Press(chosen.action), TUESDAY_AFTERNOON)
    assert followed.replies[0].node == chosen.action.removeprefix("g:go:")
    assert ("entry", "suggestion") in [(t.kind, t.name) for t in followed.tallies]


def test_text_nothing_fits_is_counted_as_not_understood(shipped: Guide) -> None:
    """Gibberish gets the not-understood answer on the current screen and one anonymous count."""
    outcome = handle(shipped, None, Text("qqqq zzzz"), TUESDAY_AFTERNOON)
    assert outcome.result == "not_understood"
    assert ("outcome", "not_understood") in [(t.kind, t.name) for t in outcome.tallies]
    assert all("qqqq" not in t.name for t in outcome.tallies)


@pytest.mark.parametrize(("command", "node"), [("emergency", "nood"), ("back", "start"), ("EMERGENCY", "nood")])
def test_english_command_aliases_work_like_the_dutch_commands(shipped: Guide, command: str, node: str) -> None:
    """/emergency is /nood and /back is /terug, whatever the user's language."""
    state = handle(shipped, None, Start(), TUESDAY_AFTERNOON).state
    outcome = handle(shipped, state, Command(command), TUESDAY_AFTERNOON)
    assert outcome.replies[0].node == node


def test_erase_alias_erases(shipped: Guide) -> None:
    """/erase forgets the session like /wis."""
    state = handle(shipped, None, Start(), TUESDAY_AFTERNOON).state
    assert handle(shipped, state, Command("erase"), TUESDAY_AFTERNOON).erase_chat


def test_unknown_command_lists_the_commands_instead_of_an_old_button_message(shipped: Guide) -> None:
    """/foo gets the list of commands, not 'that button belongs to an old message'."""
    state = handle(shipped, None, Start(), TUESDAY_AFTERNOON).state
    outcome = handle(shipped, state, Command("foo"), TUESDAY_AFTERNOON)
    assert outcome.result == "unknown_command"
    assert "/nood" in outcome.replies[0].text
    assert "oud bericht" not in outcome.replies[0].text


def test_issue_phrasings_never_get_the_bare_not_understood_answer(shipped: Guide) -> None:
    """Every phrasing quoted in issue 10 reaches a screen or a 'Bedoelt u…?' choice."""
    for text in (
        "iemand met een mes staat bij mijn voordeur", "ik wil er niet meer zijn", "ik heb zelfmoordgedachten",
        "hij weet waar ik woon", "ik word gestalked", "ik ben bedriegd", "er gaan naaktbeelden van mij rond",
        "mag ik een kerstpakket van een aannemer houden", "een verslaggever belt steeds",
        "er loopt een onderzoek naar mij", "er loopt een integriteitsonderzoek tegen mij",
        "hoe beveilig ik mijn woning",
    ):
        outcome = handle(shipped, None, Text(text), TUESDAY_AFTERNOON)
        assert outcome.result != "not_understood", text


def test_shipped_routing_tests_reach_every_crisis_and_acute_phrasing(shipped: Guide) -> None:
    """All crisis and acute phrasings in flows/tests/ reach 113 or 112; nothing else goes to 112."""
    report = run_route_files(shipped, _route_files())
    assert report.errors == []
    urgent = report.of(report.urgent)
    assert urgent
    assert [r.describe() for r in urgent if not r.passed] == []
    assert [r.describe() for r in report.false_emergencies] == []


def test_shipped_routing_tests_meet_the_bar_of_95_percent(shipped: Guide) -> None:
    """At least 95 % of the phrasings in flows/tests/ reach their screen with the first reply."""
    report = run_route_files(shipped, _route_files())
    assert len(report.results) >= 250
    misses = "\n".join(r.describe() for r in report.results if not r.passed)
    assert report.accuracy >= MIN_ACCURACY, f"{report.accuracy:.1%}; misses:\n{misses}"


def test_every_entry_point_has_routing_phrasings(shipped: Guide) -> None:
    """The routing tests cover every screen a direct link leads to (except the start and menus)."""
    report = run_route_files(shipped, _route_files())
    tested = {r.case.expected for r in report.results}
    assert sorted(set(shipped.entry_points.values()) - tested) == []


def test_test_phrasings_are_never_also_examples(shipped: Guide) -> None:
    """The routing test measures generalisation only if no test phrasing was taught as an example."""
    taught = taught_phrasings(shipped)
    report = run_route_files(shipped, _route_files())
    assert report.results
    assert [r.case.text for r in report.results if words(r.case.text) in taught] == []


def test_examples_are_read_as_a_list_or_per_language(load: Callable[..., LoadResult]) -> None:
    """`examples:` may be a plain list or {nl: [...], en: [...]}; a wrong shape is named with its place."""
    good = load(extra="nodes:\n  extra:\n    text: {nl: Extra, en: Extra}\n    end: true\n"
                      "    examples: {nl: [extra hulp nodig], en: [extra help needed]}\n")
    assert good.ok, [str(p) for p in good.errors]
    assert good.guide is not None
    assert route(good.guide.router, "ik heb extra hulp nodig").target == "extra"
    bad = load(extra="nodes:\n  extra:\n    text: {nl: Extra}\n    end: true\n    examples: {nl: [{a: b}], de: [x]}\n"
                     "    priority: hoog\n")
    messages = [str(p) for p in bad.errors]
    assert any("extra.yaml:5" in m and "een voorbeeld is een zin" in m for m in messages), messages
    assert any("onbekend veld 'de'" in m for m in messages), messages
    assert any("onbekende prioriteit 'hoog'" in m for m in messages), messages


def test_check_warns_when_one_phrasing_teaches_two_screens(load: Callable[..., LoadResult]) -> None:
    """The same example under two nodes is a warning that names both places."""
    result = load(extra="nodes:\n  extra:\n    text: {nl: Extra, en: Extra}\n    contacts: [ondersteuningsteam]\n"
                        "    end: true\n    examples: [Mijn huis BEVEILIGEN!]\n")
    warnings = [str(p) for p in result.warnings]
    assert any(
        "leert ook de stap" in w and ("'preventie'" in w or "nodes.preventie" in w) and "extra" in w for w in warnings
    ), warnings


def test_check_warns_when_a_screen_people_look_for_cannot_be_typed_to(load: Callable[..., LoadResult]) -> None:
    """An entry point without examples or keywords gets a warning; with one example it does not."""
    node = "nodes:\n  extra:\n    text: {nl: Extra, en: Extra}\n    contacts: [ondersteuningsteam]\n    end: true\n"
    entry = "entry_points:\n  extra: extra\n"
    untaught = [str(p) for p in load(extra=node + entry).warnings]
    assert any("nodes.extra" in w and "niemand komt hier door te typen" in w for w in untaught), untaught
    taught = [str(p) for p in load(extra=node + "    examples: [iets extra]\n" + entry).warnings]
    assert not any("niemand komt hier door te typen" in w for w in taught), taught


def test_routes_command_shows_the_screens_scores_and_the_example_to_edit(capsys: pytest.CaptureFixture[str]) -> None:
    """`wegwijzer routes` names the first answer, the closest screens with file:line, and each word's match."""
    assert cli(["routes", "hoe beveilig ik mijn woning", "--flows", str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert "Eerste antwoord: scherm 'preventie_woning'" in out
    assert "score" in out
    assert "flows/preventie.yaml:" in out or "preventie.yaml:" in out
    assert "woning: woon" in out
    assert cli(["routes", "ik ben bedriegd", "--flows", str(SHIPPED)]) == 0
    assert "tikfout" in capsys.readouterr().out


def test_a_live_reload_picks_up_new_examples(guide_folder: Callable[..., Path]) -> None:
    """An example added to a running guide's files routes typed text after the watcher's reload."""
    folder = guide_folder()
    first = load_guide(folder)
    assert first.guide is not None
    holder = GuideHolder(first.guide)
    typed = "ik wil mijn deurbel met camera laten plaatsen"
    assert handle(holder.guide, None, Text(typed), TUESDAY_AFTERNOON).replies[0].node != "preventie"
    nodes = folder / "nodes.yaml"
    nodes.write_text(
        nodes.read_text(encoding="utf-8").replace(
            "examples: [mijn huis beveiligen, home security]",
            "examples: [mijn huis beveiligen, home security, deurbel met camera]",
        ),
        encoding="utf-8",
    )
    assert FlowWatcher(holder, folder).reload_now()
    outcome = handle(holder.guide, None, Text(typed), TUESDAY_AFTERNOON)
    assert outcome.state is not None
    assert outcome.state.pending == "preventie"  # asks the role first, then shows home security
