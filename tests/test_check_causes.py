"""`wegwijzer check` for staff: causes before consequences, the nearest names, and it works from anywhere."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "flows"


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "WEGWIJZER_FLOWS_DIR"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "bot", "check", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder holding a copy of the shipped guide in flows/."""
    shutil.copytree(SHIPPED, tmp_path / "flows")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_file_that_cannot_be_read_comes_first_with_what_follows_from_it(project: Path) -> None:
    """One wrong indent in preventie.yaml: its syntax error is the first line, the missing steps elsewhere
    are grouped under it with a count, and a typo in another file still gets its own "Bedoelt u"."""
    edit(project / "flows" / "preventie.yaml", "    title: {nl: Voorkomen", "   title: {nl: Voorkomen")
    edit(project / "flows" / "nazorg.yaml", "goto: praten", "goto: prate")
    run = check("flows", cwd=project)
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert lines[0].startswith("flows/preventie.yaml:7:4: error: YAML-syntaxfout: regel 7 springt 3 spaties in")
    # How many steps elsewhere point into preventie.yaml grows with the guide; read it from the line.
    follows = re.match(r"    Daardoor (\d+) fout\(en\) elders; die verdwijnen als flows/preventie.yaml", lines[1])
    assert follows is not None, lines[1]
    count = int(follows.group(1))
    assert count >= 8
    grouped = lines[2 : 2 + count]
    assert all(line.startswith("      flows/") and "staat in flows/preventie.yaml" in line for line in grouped)
    rest = lines[2 + count :]
    assert not any("preventie" in line for line in rest), rest
    assert any("de stap 'prate' bestaat niet. Bedoelt u 'praten'?" in line for line in rest), rest
    files = len(list((project / "flows").glob("*.yaml")))
    assert f"{files} bestanden" in run.stdout
    assert f"{count + 2} fout(en)" in run.stdout


def test_an_emptied_file_is_named_first(project: Path) -> None:
    """An emptied nazorg.yaml is itself the first line, above the steps that now miss."""
    (project / "flows" / "nazorg.yaml").write_text("# leeg\n", encoding="utf-8")
    run = check(cwd=project)
    assert run.returncode == 1
    lines = run.stderr.splitlines()
    assert lines[0].startswith("flows/nazorg.yaml:1:1: warning: dit bestand is leeg")
    assert lines[1].startswith("    Daardoor ")
    assert any("de stap 'nazorg' bestaat niet. Stond die in flows/nazorg.yaml?" in line for line in lines[2:])


def test_two_contacts_joined_by_an_indent_are_named_as_such(project: Path) -> None:
    """A 3-space indent in a contacts list: the message says the two lines were read as one and how to fix it."""
    before = "      - politie_0900\n      - ondersteuningsteam\n    end: true\n\n  aangifte_adres"
    edit(project / "flows" / "aangifte.yaml", before, before.replace("      - onder", "       - onder"))
    run = check(cwd=project)
    assert run.returncode == 1
    assert ("het contact 'politie_0900 - ondersteuningsteam' bestaat niet: de regels '- politie_0900' en "
            "'- ondersteuningsteam' zijn samengevoegd tot één waarde") in run.stderr
    assert "Zet de '- ' van elke regel recht onder elkaar." in run.stderr


def test_an_unknown_name_gets_the_nearest_names_not_the_first_alphabetically(project: Path) -> None:
    """A mistyped contact is answered with the contact it most resembles."""
    edit(project / "flows" / "nazorg.yaml", "      - ondersteuningsteam\n", "      - ondersteuningstem\n")
    run = check(cwd=project)
    assert "het contact 'ondersteuningstem' bestaat niet. Bedoelt u 'ondersteuningsteam'" in run.stderr
    assert "ccv" not in run.stderr


@pytest.mark.parametrize("where", ["flows", "flows/tests", "."])
@pytest.mark.parametrize("argv", [["flows/"], [], ["--flows", "flows"]])
def test_check_works_from_the_project_folder_and_from_inside_flows(project: Path, where: str,
                                                                  argv: list[str]) -> None:
    """`wegwijzer check flows/`, `wegwijzer check` and `--flows flows` all find the guide, wherever typed."""
    run = check(*argv, cwd=project / where)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().endswith("De gids is in orde.")
    assert run.stderr == ""


def test_a_missing_folder_names_the_setting_and_the_flag(tmp_path: Path) -> None:
    """No guide anywhere: one Dutch line naming --flows and WEGWIJZER_FLOWS_DIR, exit 2."""
    run = check("--flows", "nergens", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip() == ("wegwijzer check: de map met de gids (nergens) bestaat niet. Geef de map met "
                                  "--flows MAP, of zet WEGWIJZER_FLOWS_DIR in .env; in de projectmap of in "
                                  "flows/ zelf is dat niet nodig.")
    assert run.stdout == ""
