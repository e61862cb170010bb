"""`wegwijzer diff`: a Dutch review summary, loudest (contact details) first."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.authoring.changes import compare
from bot.authoring.review import main, render_report
from bot.authoring.text_diff import word_diff
from tests.guides import load_ok

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "authoring" / "flows"


def _copy(tmp_path: Path, name: str = "new") -> Path:
    folder = tmp_path / name
    shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("tests"))
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")



def _report(old: Path, new: Path) -> str:
    return render_report(compare(load_ok(old), load_ok(new)), "oud", "nieuw")


def _args(old: str, new: str | None = None, flows: Path | None = None) -> argparse.Namespace:
    return argparse.Namespace(old=old, new=new, flows=flows)


def test_changed_phone_number_names_the_contact_and_both_numbers(tmp_path: Path) -> None:
    """The bar: one phone number changed, the summary names that contact with old and new."""
    new = _copy(tmp_path)
    _edit(new / "contacts.yaml", 'phone: "070-3738314"', 'phone: "070-3738315"')
    report = _report(FIXTURE, new)
    lines = report.splitlines()
    assert lines[2].startswith("CONTACTGEGEVENS GEWIJZIGD")
    assert ("  ‼ ondersteuningsteam (Ondersteuningsteam Weerbaar Bestuur): "
            "telefoon 070-3738314 → 070-3738315") in lines


def test_hours_url_and_new_contact_are_loud(tmp_path: Path) -> None:
    """Opening hours and web address changes and a new contact's details come before the rest."""
    new = _copy(tmp_path)
    contacts = new / "contacts.yaml"
    _edit(contacts, 'open: "08:00", close: "22:00"', 'open: "09:00", close: "21:00"')
    _edit(contacts, "url: https://www.politie.nl/themas/aangifte-doen.html",
          "url: https://www.politie.nl/aangifte")
    _edit(contacts, "contacts:\n", """contacts:
  slachtofferhulp:
    name: {nl: Slachtofferhulp Nederland, en: Victim Support Netherlands}
    purpose: {nl: "Steun na een misdrijf.", en: "Support after a crime."}
    phone: "0900-0101"
    source: https://www.politie.nl/themas/slachtofferhulp.html
    verified: 2026-11-29
""")
    _edit(new / "nodes.yaml", "contacts: [politie, ondersteuningsteam]",
          "contacts: [politie, slachtofferhulp, ondersteuningsteam]")
    report = _report(FIXTURE, new)
    assert "politie (Politie (geen spoed)): openingstijden ma–zo 08:00–22:00" in report
    assert "→ ma–zo 09:00–21:00" in report
    assert ("web https://www.politie.nl/themas/aangifte-doen.html → "
            "https://www.politie.nl/aangifte") in report
    assert "NIEUWE CONTACTEN" in report
    assert "slachtofferhulp (Slachtofferhulp Nederland): telefoon 0900-0101" in report
    assert "aangifte: politie, ondersteuningsteam → politie, slachtofferhulp, ondersteuningsteam" in report
    assert report.index("CONTACTGEGEVENS") < report.index("NIEUWE CONTACTEN") < report.index(
        "Contacten per stap")


def test_nodes_added_removed_repointed_and_reworded(tmp_path: Path) -> None:
    """Node and option changes are listed with their ids, targets and a word diff of the text."""
    new = _copy(tmp_path)
    nodes = new / "nodes.yaml"
    _edit(nodes, "Anders: bel het Ondersteuningsteam.", "Anders: bel eerst het Ondersteuningsteam.")
    _edit(nodes, """      - label: {nl: "Aangifte doen", en: "Report to the police"}
        goto: aangifte

  online:""", """      - label: {nl: "Aangifte doen", en: "Report to the police"}
        goto: nood
      - label: {nl: "Bewijs bewaren", en: "Keep evidence"}
        goto: bewijs

  bewijs:
    text: {nl: "Maak schermafbeeldingen.", en: "Take screenshots."}
    end: true

  online:""")
    report = _report(FIXTURE, new)
    assert "dreiging: 'Aangifte doen': aangifte → nood" in report
    assert "dreiging: knop toegevoegd: Bewijs bewaren → bewijs" in report
    assert "Stappen toegevoegd (1)\n  bewijs (Maak schermafbeeldingen.)" in report
    assert ("dreiging: tekst (nl): … in gevaar? Bel 112. Anders: bel {+eerst+} het "
            "Ondersteuningsteam.") in report
    back = render_report(compare(load_ok(new), load_ok(FIXTURE)), "nieuw", "oud")
    assert "Stappen verwijderd (wie daar stond, begint opnieuw) (1)\n  bewijs" in back


def test_entry_points_and_keywords(tmp_path: Path) -> None:
    """A changed deep link and a new keyword route are reported."""
    new = _copy(tmp_path)
    guide = new / "guide.yaml"
    _edit(guide, "  online: online\n", "  online: aangifte\n")
    _edit(guide, '    goto: dreiging\n', '    goto: dreiging\n  - words: [aangifte]\n    goto: aangifte\n')
    report = _report(FIXTURE, new)
    assert "link ?start=online: online → aangifte" in report
    assert "trefwoorden naar aangifte: erbij: aangifte" in report


def test_keyword_words_moved_between_routes(tmp_path: Path) -> None:
    """Words dropped from a route and added to another are named per target node."""
    new = _copy(tmp_path)
    _edit(new / "guide.yaml", '["112", nood, acuut]', '["112", nood, gevaar]')
    report = _report(FIXTURE, new)
    assert "trefwoorden naar nood: weg: acuut; erbij: gevaar" in report


def test_same_flows_have_no_differences(capsys: pytest.CaptureFixture[str]) -> None:
    """Comparing a folder with itself says there is nothing to review."""
    assert main(_args(str(FIXTURE), str(FIXTURE))) == 0
    assert "Geen inhoudelijke verschillen." in capsys.readouterr().out


def test_word_diff_is_compact() -> None:
    """Long unchanged stretches are shortened; removed and added words are marked."""
    old = "een twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien"
    new = old.replace("zeven", "ZEVEN")
    assert word_diff(old, new, context=2) == "… vijf zes [-zeven-] {+ZEVEN+} acht negen …"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def test_git_revision_against_the_working_tree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`wegwijzer diff HEAD` compares the committed flows/ with the edited working tree."""
    repo = tmp_path / "repo"
    repo.mkdir()
    flows = _copy(repo, "flows")
    _git(repo, "init", "-q")
    _git(repo, "add", "flows")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "v1")
    _edit(flows / "contacts.yaml", 'phone: "0900-8844"', 'phone: "0900-8845"')
    monkeypatch.chdir(repo)
    assert main(_args("HEAD")) == 0
    out = capsys.readouterr().out
    assert "Wijzigingen in de gids: HEAD:flows → flows (werkmap)" in out
    assert "politie (Politie (geen spoed)): telefoon 0900-8844 → 0900-8845" in out
    assert main(_args("HEAD", "HEAD")) == 0
    assert "Geen inhoudelijke verschillen." in capsys.readouterr().out


def test_unknown_revision_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Something that is neither a folder nor a revision gets exit 2 and one clear sentence."""
    monkeypatch.chdir(ROOT)
    assert main(_args("geen-revisie-of-map", flows=FIXTURE)) == 2
    assert "geen bestaande map en geen git-revisie" in capsys.readouterr().err


def test_a_side_with_errors_is_named_with_its_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A version with errors is compared all the same, after a list of its problems."""
    new = _copy(tmp_path)
    _edit(new / "nodes.yaml", "goto: dreiging", "goto: dreigin")
    assert main(_args(str(FIXTURE), str(new))) == 0
    out = capsys.readouterr().out
    assert f"Let op: {new} heeft 1 fout(en)" in out
    assert "nodes.start.options[0].goto: de stap 'dreigin' bestaat niet" in out
    assert "start: 'Ik word bedreigd': dreiging → dreigin" in out


def test_a_side_that_cannot_be_read_stops_the_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """When one version cannot be read at all, the diff names its problems and exits 1."""
    new = _copy(tmp_path)
    (new / "guide.yaml").write_text("guide: [kapot\n", encoding="utf-8")
    assert main(_args(str(FIXTURE), str(new))) == 1
    captured = capsys.readouterr()
    assert f"{new}/guide.yaml:" in captured.out
    assert "Vergelijken kan pas als beide versies te lezen zijn" in captured.err
