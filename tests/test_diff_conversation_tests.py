"""`wegwijzer diff` shows the conversation tests that changed with the guide, so a reviewer sees them too."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.authoring.review import main
from tests.test_review import FIXTURE, _edit


def _diff(old: str, new: str | None, flows: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argparse.Namespace(old=old, new=new, flows=flows)) == 0
    return capsys.readouterr().out


def test_changed_added_and_removed_tests_between_two_folders(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A test with a changed step, a new test file and nothing else: the diff lists exactly those."""
    new = tmp_path / "new"
    shutil.copytree(FIXTURE, new)
    test_file = new / "tests" / "paths.yaml"
    _edit(test_file, "      - see: Waar gaat het over\n", "      - see: Waar gaat het precies over\n")
    (new / "tests" / "extra.yaml").write_text("tests:\n  - name: Nieuwe test\n    steps:\n      - send: /start\n",
                                               encoding="utf-8")
    report = _diff(str(FIXTURE), str(new), new, capsys)
    assert "Gesprekstesten (flows/tests)" in report
    assert "+ tests/extra.yaml: 'Nieuwe test' (nieuw)" in report
    assert "~ tests/paths.yaml: 'Raadslid die bedreigd wordt ziet 112, het Ondersteuningsteam en de NVvR' veranderd" \
        in report
    assert "    was: send: /start; see: Waar gaat het over; " in report
    assert "    nu:  send: /start; see: Waar gaat het precies over; " in report
    assert report.count("\n  ~ ") == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_head_includes_a_test_changed_in_the_working_tree(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`wegwijzer diff HEAD` after editing only flows/tests/: the report names that test, not "no changes"."""
    flows = tmp_path / "flows"
    shutil.copytree(FIXTURE, flows)
    for command in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@example.org", "-c", "user.name=t", "commit",
                                                   "-qm", "start"]):
        subprocess.run(["git", *command], cwd=tmp_path, check=True, capture_output=True)
    test_file = next((flows / "tests").glob("*.yaml"))
    test_file.write_text(test_file.read_text(encoding="utf-8") + "\n  - name: Erbij\n    steps:\n      - send: /help\n",
                         encoding="utf-8")
    report = _diff("HEAD", None, flows, capsys)
    assert f"+ tests/{test_file.name}: 'Erbij' (nieuw)" in report
    assert "Geen inhoudelijke verschillen" not in report
