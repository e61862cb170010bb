"""Plain-language warnings: long sentences, a low reading ease and jargon, with thresholds staff set."""

from __future__ import annotations

from collections.abc import Callable

from bot.flow.loader import LoadResult
from bot.flow.readability import flesch_douma, jargon_in, sentences

PLAIN = "Bel het team. Zij helpen u. Dat kan dag en nacht."
HEAVY = (
    "Overeenkomstig de beleidsregels inzake veiligheidsmaatregelen verstrekt de organisatie "
    "ondersteuningsmogelijkheden aan politieke ambtsdragers die geconfronteerd worden met intimidatie."
)
NODE = """nodes:
  lezen:
    text: {{nl: "{nl}", en: "{en}"}}
    contacts: [ondersteuningsteam]
    examples: [iets om te lezen]
    end: true
entry_points:
  lezen: lezen
"""


def warnings(result: LoadResult) -> list[str]:
    return [str(p) for p in result.problems if p.severity == "warning"]


def with_text(load: Callable[..., LoadResult], nl: str, en: str = "Call the team.", **files: str) -> LoadResult:
    return load(extra_node=NODE.format(nl=nl, en=en), **files)


def test_plain_dutch_scores_high_and_officialese_low() -> None:
    """Short words in short sentences read easily; long words in a long sentence do not."""
    plain, heavy = flesch_douma(PLAIN), flesch_douma(HEAVY)
    assert plain is not None
    assert heavy is not None
    assert plain > 80
    assert heavy < 30


def test_list_items_and_lines_count_as_sentences() -> None:
    """A list item is a sentence of its own, so a list does not make one very long sentence."""
    found = sentences("Doe dit:\n1. Bel 112.\n- Schrijf het op\nKlaar!")
    assert found == ["Doe dit:", "Bel 112.", "Schrijf het op", "Klaar!"]


def test_jargon_between_brackets_after_an_explanation_is_fine() -> None:
    """'een agent met extra bevoegdheden (hulpofficier)' is explained; 'de hulpofficier' alone is not."""
    terms = ("hulpofficier", "Bibob")
    assert jargon_in("Vraag de hulpofficier van justitie.", terms) == ["hulpofficier"]
    assert jargon_in("Vraag een leidinggevende agent (hulpofficier van justitie).", terms) == []
    assert jargon_in("Een toets van vergunningen (de wet Bibob).", terms) == []


def test_a_long_sentence_is_a_warning_that_names_the_place(load: Callable[..., LoadResult]) -> None:
    """A sentence over the limit gets a warning with file, node and language, and the sentence's start."""
    long = " ".join(["woord"] * 25) + "."
    found = warnings(with_text(load, long))
    assert any("nodes.lezen.text.nl" in w and "25 woorden" in w and "extra_node.yaml" in w for w in found), found


def test_a_hard_message_gets_its_reading_ease(load: Callable[..., LoadResult]) -> None:
    """A Dutch message under the Flesch-Douma threshold gets a warning with its score."""
    found = warnings(with_text(load, HEAVY))
    assert any("nodes.lezen.text.nl" in w and "Flesch-Douma" in w for w in found), found
    assert not [w for w in warnings(with_text(load, PLAIN)) if "nodes.lezen" in w]


def test_staff_set_the_thresholds_and_the_jargon_in_the_guide(load: Callable[..., LoadResult]) -> None:
    """guide.readability changes the limits; check: false turns the warnings off."""
    from pathlib import Path

    guide_text = (Path(__file__).resolve().parents[1] / "fixtures/core/basic/guide.yaml").read_text()
    settings = "guide:\n  readability:\n    max_sentence_words: 5\n    jargon: [team]\n"
    strict = guide_text.replace("guide:\n", settings, 1)
    found = warnings(with_text(load, PLAIN + " Het is een goed en rustig team voor u.", guide=strict))
    assert any("nodes.lezen.text.nl" in w and "9 woorden" in w for w in found), found
    assert any("'team' staat op de lijst" in w for w in found), found
    off = guide_text.replace("guide:\n", "guide:\n  readability:\n    check: false\n", 1)
    assert not [w for w in warnings(with_text(load, HEAVY, guide=off)) if "nodes.lezen" in w]


def test_a_threshold_that_is_not_a_number_is_an_error(load: Callable[..., LoadResult]) -> None:
    """A mistyped threshold is named, with what it should be."""
    from pathlib import Path

    guide_text = (Path(__file__).resolve().parents[1] / "fixtures/core/basic/guide.yaml").read_text()
    broken = guide_text.replace("guide:\n", "guide:\n  readability:\n    min_reading_ease: hoog\n", 1)
    errors = [str(p) for p in load(guide=broken).problems if p.is_error]
    assert any("guide.readability.min_reading_ease" in e and "getal" in e for e in errors), errors
