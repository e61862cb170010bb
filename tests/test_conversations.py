"""`wegwijzer test`: staff-written conversation tests run through the real engine."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.authoring.conversations import conversation_files, main, run_files
from bot.authoring.scripts import read_test_file
from tests.guides import load_ok

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "authoring" / "flows"
SHIPPED = ROOT / "flows"




def _args(folder: Path, *files: Path) -> argparse.Namespace:
    return argparse.Namespace(flows=folder, files=list(files))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gesprek.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_conversation_tests_pass() -> None:
    """Every conversation test in flows/tests/ passes against the shipped flows."""
    files = conversation_files(SHIPPED, [])
    assert files, "flows/tests/ holds no conversation tests"
    passed, failures, errors = run_files(load_ok(SHIPPED), files)
    assert errors == []
    assert [str(failure) for failure in failures] == []
    assert passed >= len(files)


def test_fixture_conversations_pass_with_roles_clock_and_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Roles, a night-time clock, English and keyword routes all work in the fixture tests."""
    assert main(_args(FIXTURE)) == 0
    assert "4 geslaagd, 0 mislukt" in capsys.readouterr().out


def test_wrong_expectation_fails_with_file_line_and_transcript(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A deliberately wrong number fails: file:line of the step, what was expected, the transcript."""
    path = _write(tmp_path, """tests:
  - name: Verkeerd nummer
    steps:
      - send: /start
      - press: bedreigd
      - press: Burgemeester
      - see: "070-0000000"
""")
    assert main(_args(FIXTURE, path)) == 1
    out = capsys.readouterr().out
    assert f"{path}:7: FAILED Verkeerd nummer: step 4 (see: 070-0000000)" in out
    assert "'070-0000000' — staat er niet in" in out
    transcript = out.split("Gesprek tot nu toe:")[1]
    assert "gebruiker: /start" in transcript
    assert "gebruiker: [Ik word bedreigd]" in transcript
    assert "wegwijzer: Wie bent u?" in transcript
    assert "knoppen: [Burgemeester] [Wethouder] [Raadslid]" in transcript
    assert "Tel. 070-3738314" in transcript
    assert "0 geslaagd, 1 mislukt" in out


def test_missing_or_ambiguous_button_lists_the_buttons(tmp_path: Path) -> None:
    """Pressing a label that matches none or several buttons fails and names the buttons."""
    path = _write(tmp_path, """tests:
  - name: Geen knop
    steps:
      - send: /start
      - press: Wethouder
  - name: Twee knoppen
    steps:
      - send: /start
      - press: o
""")
    passed, failures, errors = run_files(load_ok(FIXTURE), [path])
    assert (passed, errors) == (0, [])
    missing, ambiguous = (str(failure) for failure in failures)
    assert "een knop met 'Wethouder', maar die is er niet" in missing
    assert "'Ik word bedreigd'" in missing
    assert "'🧹 Verlaten en wissen'" in missing
    assert "2 knoppen passen" in ambiguous


def test_contact_and_node_expectations(tmp_path: Path) -> None:
    """contact/no_contact/node fail when the reply differs, and name unknown ids as such."""
    path = _write(tmp_path, """tests:
  - name: Burgemeester ziet geen NVvR
    steps:
      - send: /start dreiging
      - press: Burgemeester
      - contact: nvvr_vertrouwenspersoon
  - name: Tikfout in contact
    steps:
      - send: /start
      - no_contact: ondersteuningstaem
  - name: Verkeerde stap
    steps:
      - send: /start online
      - node: aangifte
""")
    _, failures, _ = run_files(load_ok(FIXTURE), [path])
    texts = [str(failure) for failure in failures]
    assert "Getoond: ondersteuningsteam" in texts[0]
    assert "'ondersteuningstaem' bestaat niet" in texts[1]
    assert "toont stap 'aangifte', maar het toont 'online'" in texts[2]


def test_unknown_step_keys_are_file_errors_with_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A misspelt step or test field is a usage error (exit 2) naming file:line."""
    path = _write(tmp_path, """tests:
  - name: Tikfouten
    tijd: morgen
    steps:
      - send: /start
      - zie: Waar gaat het over
""")
    result = read_test_file(path)
    assert result.conversations == []
    assert any(error.startswith(f"{path}:3: onbekend veld 'tijd'") for error in result.errors)
    assert any(error.startswith(f"{path}:6: onbekende stap 'zie'") for error in result.errors)
    assert main(_args(FIXTURE, path)) == 2
    assert f"{path}:6:" in capsys.readouterr().err


def test_yaml_syntax_error_and_missing_file_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Broken YAML and a file that does not exist end with exit 2 and say where."""
    broken = _write(tmp_path, "tests:\n  - name: [kapot\n")
    assert main(_args(FIXTURE, broken)) == 2
    assert f"{broken}:" in capsys.readouterr().err
    assert main(_args(FIXTURE, tmp_path / "bestaat-niet.yaml")) == 2
    assert "bestand niet gevonden" in capsys.readouterr().err


def test_expectation_before_anything_was_sent_fails(tmp_path: Path) -> None:
    """A test that expects text before sending anything explains how to begin."""
    path = _write(tmp_path, "tests:\n  - name: Te vroeg\n    steps:\n      - see: iets\n")
    _, failures, _ = run_files(load_ok(FIXTURE), [path])
    assert "begin met '- send: /start'" in str(failures[0])
