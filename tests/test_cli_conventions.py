"""One way of talking for every command: exit codes in --help, the audience's language, and a README that says so."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from bot.cli import main
from bot.logs import LIBRARY_EVENT

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
STAFF = ("chat", "check", "test", "graph", "preview", "diff")
OPERATOR = ("run", "doctor", "stats")


def help_of(command: str) -> str:
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown):
        assert main([command, "--help"]) == 0
    return shown.getvalue()


@pytest.mark.parametrize("command", STAFF + OPERATOR)
def test_every_command_documents_its_exit_codes_and_audience(command: str) -> None:
    """`wegwijzer COMMAND --help` ends with who it is for (and so its language) and what each exit code means."""
    shown = help_of(command)
    assert "exit codes:\n  0  " in shown
    assert ("For network staff: messages in Dutch." if command in STAFF else "For operators: messages in English.") \
        in shown


def test_check_takes_flows_like_the_other_staff_commands() -> None:
    """`check --flows DIR` is accepted, as by chat, test, graph, preview and diff."""
    for command in STAFF:
        assert "--flows DIR" in help_of(command), command


def test_the_readme_lists_every_log_event_the_bot_emits() -> None:
    """Every event name passed to log_event in bot/, and the library event, is in the README's list."""
    emitted = {LIBRARY_EVENT}
    for path in (ROOT / "bot").rglob("*.py"):
        emitted |= set(re.findall(r'log_event\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    listed = README[README.index("Events:"):README.index("No Telegram id")]
    missing = sorted(event for event in emitted if f"`{event}`" not in listed)
    assert not missing


def test_the_readme_says_chmod_600_and_who_gets_which_language() -> None:
    """The README asks for `chmod 600 .env` (as doctor does) and says which commands speak which language."""
    assert "chmod 600 .env" in README
    assert "speak Dutch, the operator commands (`run`, `doctor`, `stats`) English" in README


def test_the_staff_guide_uses_one_way_to_run_commands_and_says_how_a_change_goes_live() -> None:
    """flows/README.md: only `wegwijzer …` (never `.venv/bin/wegwijzer …`), how a change goes live, what
    opening hours look like, where a new test file goes, and no "zodra dit commando beschikbaar is"."""
    guide = (ROOT / "flows" / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/wegwijzer" not in guide
    assert "zodra dit commando beschikbaar is" not in guide.lower()
    for needed in ("## Hoe een wijziging live gaat", "`HEAD` betekent", "De beheerder van de server",
                   "### Zo ziet de gebruiker openingstijden", "nu gesloten — opent",
                   "**Een nieuw testbestand** zet u in `flows/tests/`", "source .venv/bin/activate"):
        assert needed in guide, needed
