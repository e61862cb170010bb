"""The terminal chat after /wis goes on with what is typed next; /taal with an unknown language switches nothing."""

from __future__ import annotations

import io

from bot.chat import converse
from bot.flow.loader import load_guide
from tests.test_check_causes import SHIPPED


def chat(*lines: str) -> str:
    result = load_guide(SHIPPED)
    assert result.guide is not None
    out = io.StringIO()
    assert converse(result.guide, [f"{line}\n" for line in lines], out, language="nl", interactive=False) == 0
    return out.getvalue()


def test_erase_forgets_and_the_chat_goes_on_with_the_next_line() -> None:
    """`/wis` then `/nood`: the farewell, then the emergency screen: the program did not stop at /wis."""
    said = chat("1", "/wis", "/nood")
    erased_at = said.index("Gewist.")
    assert "Bel nu 112" in said[erased_at:]
    assert said.index("> /nood") > erased_at


def test_the_farewell_does_not_ask_for_a_command_the_terminal_cannot_take() -> None:
    """The erase farewell is transport-neutral: no "stuur dan /start" in the terminal (or in Telegram)."""
    said = chat("/wis")
    farewell = said[said.index("Gewist."):].splitlines()[0]
    assert "/start" not in farewell
    assert "112" in farewell


def test_an_unknown_language_is_answered_with_the_choices_and_keeps_dutch() -> None:
    """`/taal xx` says which languages there are and stays Dutch; `/taal en` then switches."""
    said = chat("/taal xx", "/taal en")
    after_xx = said[said.index("> /taal xx"):said.index("> /taal en")]
    assert "Deze gids is er in het Nederlands en het Engels. Typ /taal nl of /taal en." in after_xx
    assert "The language is now English" not in after_xx
    assert "The language is now English." in said[said.index("> /taal en"):]
