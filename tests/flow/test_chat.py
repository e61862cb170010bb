"""`wegwijzer chat` in a real subprocess, with piped input as a script would use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import BASIC


def chat(lines: str, *extra: str, flows: Path = BASIC) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--flows", str(flows), *extra],
        input=lines,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_numbers_pick_buttons_and_reach_the_threat_node() -> None:
    """Typing button numbers walks to the threat node, which shows 112 and the Ondersteuningsteam."""
    run = chat("1\n1\n")
    assert run.returncode == 0, run.stderr
    assert "Wie bent u?" in run.stdout
    assert "  1. Burgemeester" in run.stdout
    after_threat = run.stdout.split("> 1")[-1]
    assert "112" in after_threat
    assert "070-3738314" in after_threat


def test_typed_words_and_labels_work_too() -> None:
    """Typed keywords and button labels work in the terminal chat as in Telegram."""
    run = chat("ik word bedreigd\n")
    assert "070-3738314" in run.stdout.split("> ik word bedreigd")[1]
    run = chat("wethouder\nbeveiliging thuis\n")
    assert "Als bestuurder kunt u advies krijgen." in run.stdout


def test_commands_and_english() -> None:
    """/help and /terug work, and --lang en starts in English."""
    run = chat("/help\n/terug\n", "--lang", "en")
    assert "Welcome. Who are you?" in run.stdout
    assert "Help with this guide." in run.stdout


def test_erase_forgets_and_the_chat_goes_on() -> None:
    """After /wis the conversation is gone, and the next line starts a new one instead of ending the program."""
    run = chat("1\n/wis\n1\n")
    assert run.returncode == 0
    after = run.stdout.split("Gewist. Typ /start om opnieuw te beginnen.")[1]
    assert "> 1" in after
    assert after.split("> 1")[1].strip()


def test_end_of_input_ends_cleanly_and_a_broken_guide_is_refused(tmp_path: Path) -> None:
    """End of input exits 0; a broken guide is refused with exit 1 and its file:line, no traceback."""
    assert chat("").returncode == 0
    (tmp_path / "guide.yaml").write_text("guide: [\n", encoding="utf-8")
    run = chat("1\n", flows=tmp_path)
    assert run.returncode == 1
    assert "guide.yaml:" in run.stderr
    assert "Traceback" not in run.stderr
