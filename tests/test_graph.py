"""`wegwijzer graph`: the guide as Mermaid or DOT, complete, escaped and byte-for-byte repeatable."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from bot.authoring.graph import dot_text, mermaid_text, to_dot, to_mermaid
from bot.flow.model import Localized, Option
from tests.guides import load_ok

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "authoring" / "flows"
SHIPPED = ROOT / "flows"




def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, check=False
    )


@pytest.mark.parametrize("folder", [FIXTURE, SHIPPED], ids=["fixture", "shipped"])
def test_mermaid_shows_every_node_and_every_option(folder: Path) -> None:
    """Every node is declared once and every option is an arrow from its node to its target."""
    guide = load_ok(folder)
    text = to_mermaid(guide)
    assert text.splitlines()[1] == "flowchart TD"
    for node_id in guide.nodes:
        assert len(re.findall(rf"^    n_{node_id}[\[\(\{{]", text, re.M)) == 1, node_id
    arrows = re.findall(r"^    (n_\w+) -->\|\"(.*)\"\| (\w+)$", text, re.M)
    expected = [
        (f"n_{node.id}", f"n_{option.goto}" if option.goto else "x_verder")
        for node in guide.nodes.values() for option in node.options
    ]
    assert sorted((source, target) for source, _, target in arrows) == sorted(expected)


def test_mermaid_marks_end_emergency_entries_contacts_and_conditions() -> None:
    """End and emergency nodes get their own shape and class, entries and contacts are shown."""
    text = to_mermaid(load_ok(FIXTURE))
    assert 'n_nood{{"Acuut gevaar<br/>(nood)<br/>📞 1 contact: alarmnummer"}}' in text
    assert "class n_nood nood" in text
    assert re.search(r"class (\w+,)*n_aangifte(,\w+)* einde", text)
    assert 'e4>"?start=online"]' in text
    assert "e4 --> n_online" in text
    assert 'k1>"tekst: bedreig*, ik word bedreigd"]' in text
    assert "k1 -.-> n_dreiging" in text
    assert "nvvr_vertrouwenspersoon (als rol: raadslid)" in text
    assert '-->|"Mijn rol wijzigen · alleen als rol niet: onbekend"| n_kies_rol' in text
    assert 'n_dreiging -.->|"vraagt eerst rol"| n_kies_rol' in text
    assert '-->|"Burgemeester · zet rol = burgemeester"| x_verder' in text


def test_mermaid_labels_cannot_break_out_of_their_quotes() -> None:
    """Quotes, brackets, pipes and markup in editors' text become Mermaid character codes."""
    escaped = mermaid_text('Online "haat" [#1] <b> & a|b `x`')
    assert escaped == "Online #34;haat#34; [#35;1] #60;b#62; #38; a#124;b #96;x#96;"
    text = to_mermaid(load_ok(FIXTURE))
    label_line = next(line for line in text.splitlines() if line.startswith("    n_online["))
    assert label_line.count('"') == 2
    assert "<b>" not in text


def test_dot_escapes_quotes_and_backslashes_and_marks_kinds() -> None:
    """DOT strings escape quote and backslash; every statement is a well-formed line."""
    assert dot_text('say "hi" \\ bye\nnext') == 'say \\"hi\\" \\\\ bye next'
    guide = load_ok(FIXTURE)
    text = to_dot(guide)
    assert text.startswith("// ")
    assert text.rstrip().endswith("}")
    body = [line for line in text.splitlines()[2:-1]]
    for line in body:
        assert line.endswith(";"), line
        assert len(re.findall(r'(?<!\\)"', line)) % 2 == 0, line
    assert '"n_nood" [label="Acuut gevaar\\n(nood)' in text
    assert "shape=hexagon" in text
    assert '"n_start" -> "n_online" [label="Online haat & \\"doxing\\" [#1] <b>"];' in text
    for node_id in guide.nodes:
        assert f'"n_{node_id}" [label=' in text


def test_missing_target_is_drawn_as_a_warning_box() -> None:
    """A guide with a dangling goto is still drawn, the missing node as a warning box."""
    guide = load_ok(FIXTURE)
    start = guide.nodes["start"]
    broken = replace(start, options=(*start.options, Option(Localized("Weg"), "bestaat_niet")))
    text = to_mermaid(replace(guide, nodes={**guide.nodes, "start": broken}))
    assert 'n_bestaat_niet["⚠ ontbreekt: bestaat_niet"]' in text
    assert "class n_bestaat_niet ontbreekt" in text


@pytest.mark.parametrize("output", ["mermaid", "dot"])
def test_cli_prints_the_same_bytes_twice(output: str) -> None:
    """The shipped flows give identical output on two runs, so a change shows as a small diff."""
    first = _run("graph", "--format", output, "--flows", str(SHIPPED))
    second = _run("graph", "--format", output, "--flows", str(SHIPPED))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout.count("\n") > 40


def test_cli_names_a_missing_folder() -> None:
    """A wrong --flows folder is a usage error with a clear sentence."""
    result = _run("graph", "--flows", "/nonexistent/flows")
    assert result.returncode == 2
    assert "de map met de gids (/nonexistent/flows) bestaat niet" in result.stderr
    assert "WEGWIJZER_FLOWS_DIR" in result.stderr
