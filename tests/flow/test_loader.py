"""The loader reads the guide's YAML safely and names every mistake with its file and line."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bot.flow.loader import LoadResult, load_guide

from .conftest import BASIC


def lines_of(result: LoadResult, severity: str = "error") -> list[str]:
    return [str(p) for p in result.problems if p.severity == severity]


def test_the_basic_guide_loads_without_problems() -> None:
    """A well-formed guide gives no errors and no warnings."""
    result = load_guide(BASIC)
    assert result.ok
    assert result.problems == []
    assert result.guide is not None
    assert set(result.guide.nodes) >= {"start", "menu", "dreiging", "nood", "hulp"}


def test_a_syntax_error_names_file_and_line(load: Callable[..., LoadResult]) -> None:
    """A broken line gives one error at that line, not a traceback."""
    result = load(extra='nodes:\n  kapot:\n    text: {nl: "open\n    end: true\n')
    errors = lines_of(result)
    assert len(errors) == 1
    assert errors[0].startswith("flows/extra.yaml:") or "/flows/extra.yaml:" in errors[0]
    assert "YAML-syntaxfout" in errors[0]


def test_a_duplicate_key_is_an_error_at_the_second_occurrence(load: Callable[..., LoadResult]) -> None:
    """Two keys with the same name in one mapping: the second one is reported, with the first's line."""
    text = "nodes:\n  a:\n    text: {nl: a, en: a}\n    text: {nl: b, en: b}\n    end: true\n"
    errors = lines_of(load(extra=text))
    assert any("extra.yaml:4:5: error: text:" in e and "regel 3" in e for e in errors), errors


def test_tabs_in_indentation_are_named_per_line(load: Callable[..., LoadResult]) -> None:
    """Every line indented with a tab is reported with a fix."""
    errors = lines_of(load(extra="nodes:\n\tx:\n\t\ttext: a\n"))
    assert [e.split(": error")[0].rsplit(":", 2)[1] for e in errors] == ["2", "3"]
    assert all("spaties" in e for e in errors)


def test_aliases_are_refused(load: Callable[..., LoadResult]) -> None:
    """The 'billion laughs' trick (anchors and aliases) is refused instead of expanded."""
    bomb = (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    )
    errors = lines_of(load(extra=bomb))
    assert len(errors) == 1
    assert "ankers en verwijzingen" in errors[0]


def test_huge_files_are_refused(load: Callable[..., LoadResult]) -> None:
    """A file over a megabyte is refused with one problem, before parsing."""
    errors = lines_of(load(extra="# " + "x" * (1024 * 1024 + 10) + "\n"))
    assert len(errors) == 1
    assert "te groot" in errors[0]


def test_deep_nesting_is_refused(load: Callable[..., LoadResult]) -> None:
    """Very deep nesting is refused with one problem."""
    errors = lines_of(load(extra="a: " + "[" * 200 + "]" * 200 + "\n"))
    assert len(errors) == 1
    assert "te diep genest" in errors[0]


def test_wrong_types_name_the_path(load: Callable[..., LoadResult]) -> None:
    """A list where a text belongs, a string where options belong: each gets a path and a fix."""
    text = "nodes:\n  x:\n    text: [a, b]\n    options: nee\n    end: ja\n"
    errors = lines_of(load(extra=text))
    joined = "\n".join(errors)
    assert "nodes.x.text" in joined
    assert "nodes.x.options" in joined
    assert "lijst" in joined
    assert "nodes.x.end" in joined
    assert "true of false" in joined


def test_unknown_fields_suggest_the_right_name(load: Callable[..., LoadResult]) -> None:
    """A misspelt field is named and the field probably meant is suggested."""
    text = "nodes:\n  x:\n    text: {nl: a, en: a}\n    optoins: []\n    end: true\n"
    errors = lines_of(load(extra=text))
    assert any("onbekend veld 'optoins'" in e and "'options'" in e for e in errors)


def test_missing_english_is_a_warning_not_an_error(load: Callable[..., LoadResult]) -> None:
    """A text without English loads, with a warning at its path."""
    text = "nodes:\n  x:\n    text: {nl: alleen Nederlands}\n    end: true\nentry_points:\n  x: x\n"
    result = load(extra=text)
    assert result.ok
    assert any("nodes.x.text" in w and "Engelse" in w for w in lines_of(result, "warning"))


def test_a_node_defined_in_two_files_is_an_error(load: Callable[..., LoadResult]) -> None:
    """A node defined in two files is an error naming both places."""
    errors = lines_of(load(extra="nodes:\n  menu:\n    text: {nl: a, en: a}\n    end: true\n"))
    # files are read in name order, so the second definition is the one in nodes.yaml
    assert any("nodes.yaml:23:3: error: nodes.menu:" in e and "extra.yaml:2:3" in e for e in errors), errors


def test_entry_point_payloads_must_fit_a_telegram_link(load: Callable[..., LoadResult]) -> None:
    """Entry-point names with spaces or over 64 characters are errors (they cannot be in a t.me link)."""
    errors = lines_of(load(extra="entry_points:\n  'met spatie': menu\n  " + "x" * 65 + ": menu\n"))
    assert len([e for e in errors if "Telegram-link" in e]) == 2


def test_a_broken_folder_reports_every_problem_and_check_exits_1(guide_folder: Callable[..., Path]) -> None:
    """Syntax error, duplicate key, unknown target and unreachable node: one line each, right place."""
    folder = guide_folder(
        kapot='nodes:\n  x: {text: "open\n',
        dubbel="contacts:\n  a:\n    name: A\n    name: B\n",
        verwijzing=(
            "nodes:\n"
            "  wees:\n"
            "    text: {nl: Niemand komt hier, en: Nobody comes here}\n"
            "    options:\n"
            "      - label: {nl: Verder, en: On}\n"
            "        goto: bestaat_niet\n"
        ),
    )
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(folder)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stderr.splitlines()  # problems on stderr, the summary alone on stdout
    assert run.stdout.count("\n") == 1
    assert "4 fout(en)" in run.stdout
    assert any(line.startswith(f"{folder}/kapot.yaml:2:") and "syntaxfout" in line for line in lines), lines
    assert any(line.startswith(f"{folder}/dubbel.yaml:4:5: error: name:") for line in lines), lines
    assert any(
        line.startswith(f"{folder}/verwijzing.yaml:6:15: error: nodes.wees.options[0].goto:") and "bestaat_niet" in line
        for line in lines
    ), lines
    assert any(
        line.startswith(f"{folder}/verwijzing.yaml:3:5: error: nodes.wees:") and "onbereikbaar" in line
        for line in lines
    ), lines
    assert len(lines) == 4, lines


def test_check_exits_2_on_a_missing_folder(tmp_path: Path) -> None:
    """`wegwijzer check` on a folder that does not exist exits 2 and says so."""
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(tmp_path / "nope")], capture_output=True, text=True, check=False
    )
    assert run.returncode == 2
    assert "bestaat niet" in run.stderr


def test_check_exits_0_with_warnings_only(guide_folder: Callable[..., Path]) -> None:
    """`wegwijzer check` exits 0 when there are only warnings, and prints them."""
    folder = guide_folder(extra="nodes:\n  x:\n    text: alleen Nederlands\n    end: true\nentry_points:\n  x: x\n")
    run = subprocess.run(
        [sys.executable, "-m", "bot", "check", str(folder)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout
    assert ": warning: nodes.x.text:" in run.stderr


def test_common_yaml_mistakes_are_explained_in_dutch(load: Callable[..., LoadResult]) -> None:
    """An unquoted colon and a bad indent are explained in Dutch only, naming the slip and its line."""
    colon = lines_of(load(extra="nodes:\n  x:\n    text: Let op: dit\n"))
    assert len(colon) == 1
    assert ":3:5: error:" in colon[0]
    assert 'tussen dubbele aanhalingstekens, bijvoorbeeld: "Let op: dit"' in colon[0]
    indent = lines_of(load(extra="a:\n  b: c\n d: e\n"))
    assert len(indent) == 1
    assert "regel 3 springt 1 spatie in; de gids springt steeds 2 spaties per niveau in" in indent[0]
    assert "mapping" not in colon[0] + indent[0]
    assert "expected" not in colon[0] + indent[0]


def test_control_characters_are_named_with_their_place(load: Callable[..., LoadResult]) -> None:
    """A control character in the YAML is named with its file:line:column."""
    errors = lines_of(load(extra="nodes:\n  x:\n    text: a\x00b\n"))
    assert len(errors) == 1
    assert "extra.yaml:3:12: error:" in errors[0]
    assert "#x0000" in errors[0]
