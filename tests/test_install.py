"""Install paths: `make` mends a .venv made with the wrong Python, `make help`, and a wheel finds its guide."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="make is not installed")

# A stand-in interpreter: answers the Makefile's version probe (`-c ...`) as Python $FAKE_FITS
# says, makes a venv whose python is a fitting stand-in, and notes every pip call. Runs no pip.
FAKE_PYTHON = """#!/bin/sh
case "$1" in
  -c) [ "{fits}" = yes ] ;;
  -m) if [ "$2" = venv ]; then
        mkdir -p "$3/bin" && cp "{good}" "$3/bin/python" && echo "{name}" > "$3/made-by"
      else
        echo "$*" >> "{log}"
      fi ;;
  *) exit 3 ;;
esac
"""


def _fake(folder: Path, name: str, *, fits: bool) -> Path:
    path = folder / name
    good = folder / "python-good"
    path.write_text(FAKE_PYTHON.format(fits="yes" if fits else "no", good=good, name=name, log=folder / "pip.log"))
    path.chmod(0o755)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with the real Makefile and a pyproject.toml, plus stand-in interpreters in bin/."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake(bin_dir, "python-good", fits=True)
    _fake(bin_dir, "python3.10", fits=False)
    return tmp_path


def make(project: Path, *targets: str, python: str = "python-good") -> subprocess.CompletedProcess[str]:
    assert MAKE is not None
    return subprocess.run(
        [MAKE, "--no-print-directory", *targets, f"PYTHON={project / 'bin' / python}"],
        cwd=project, capture_output=True, text=True, timeout=60, check=False,
    )


@needs_make
def test_make_help_lists_every_target_and_is_the_default() -> None:
    """`make help` (and plain `make`) name every target of the Makefile with what it does."""
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert phony is not None
    for argv in ([], ["help"]):
        shown = subprocess.run([MAKE or "make", "--no-print-directory", *argv], cwd=ROOT, capture_output=True,
                               text=True, timeout=30, check=True).stdout
        for target in phony.group(1).split():
            assert re.search(rf"^  {target} +\S", shown, re.M), (target, shown)


@needs_make
def test_a_venv_made_with_an_old_python_is_made_again(project: Path) -> None:
    """A .venv whose Python is 3.10 (say, from an earlier `make chat PYTHON=python3.10`) is replaced."""
    venv_bin = project / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    shutil.copy(project / "bin" / "python3.10", venv_bin / "python")
    (venv_bin / "wegwijzer").touch()  # the old install looked complete
    done = make(project, "setup")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "creating it again" in done.stdout
    assert (project / ".venv" / "made-by").read_text().strip() == "python-good"
    assert "install --quiet -e .[test]" in (project / "bin" / "pip.log").read_text()


@needs_make
def test_a_venv_with_a_missing_interpreter_is_made_again(project: Path) -> None:
    """A .venv whose python points at an interpreter that was removed is replaced, not kept."""
    venv_bin = project / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(project / "gone" / "python3.11")
    (venv_bin / "wegwijzer").touch()
    done = make(project, "setup")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / ".venv" / "made-by").read_text().strip() == "python-good"


@needs_make
def test_a_too_old_python_is_refused_and_leaves_nothing_behind(project: Path) -> None:
    """`make setup PYTHON=python3.10` says why in one line, and the next plain `make setup` works."""
    refused = make(project, "setup", python="python3.10")
    assert refused.returncode != 0
    assert "is not a working Python 3.11 or newer" in refused.stdout + refused.stderr
    assert not (project / ".venv").exists()
    assert make(project, "setup").returncode == 0
    assert (project / ".venv" / "bin" / "wegwijzer").exists()


def test_build_output_is_ignored_by_git() -> None:
    """`pip install .` leaves build/ and *.egg-info behind; git does not offer to commit them."""
    ignored = subprocess.run(["git", "check-ignore", "build/lib/bot/cli.py", "wegwijzer.egg-info/PKG-INFO",
                              "dist/wegwijzer-0.1.0-py3-none-any.whl"],
                             cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)
    assert len(ignored.stdout.split()) == 3, ignored.stdout + ignored.stderr


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git for a clean copy")
def test_a_wheel_carries_the_guide_and_finds_it_outside_the_checkout(tmp_path: Path) -> None:
    """A wheel from `pip install .` checks and chats with the shipped guide from any folder."""
    source = tmp_path / "source"
    source.mkdir()
    archive = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, check=True, timeout=30).stdout
    for name in filter(None, archive.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "-w", str(wheels), str(source)], check=True, capture_output=True, timeout=300)
    wheel = next(wheels.glob("wegwijzer-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(name.endswith("data/share/wegwijzer/flows/guide.yaml") for name in names)
    assert any(name.endswith("data/share/wegwijzer/flows/tests/menu.yaml") for name in names)
    # A bare venv gets only the wheel; the libraries come from this environment via PYTHONPATH.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                    "--quiet", "--no-deps", str(wheel)], check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": sysconfig.get_path("purelib"),
           "HOME": str(tmp_path)}
    checked = subprocess.run([str(venv / "bin" / "wegwijzer"), "check"], cwd=elsewhere, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert str(venv / "share" / "wegwijzer" / "flows") in checked.stdout
    chatted = subprocess.run([str(venv / "bin" / "wegwijzer"), "chat"], cwd=elsewhere, env=env, input="/nood\n",
                             capture_output=True, text=True, timeout=120, check=False)
    assert chatted.returncode == 0, chatted.stderr
    assert "112" in chatted.stdout
