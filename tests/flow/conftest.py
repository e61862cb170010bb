"""Shared helpers for the core's tests: a known-good guide and a way to break it on purpose."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from bot.flow.loader import LoadResult, load_guide
from bot.flow.model import Guide
from bot.flow.render import AMSTERDAM

BASIC = Path(__file__).resolve().parents[1] / "fixtures" / "core" / "basic"
# A Tuesday at 14:00 in Amsterdam: lines with office hours are open.
TUESDAY_AFTERNOON = datetime(2026, 12, 1, 14, 0, tzinfo=AMSTERDAM)
# A Wednesday at 03:00 in Amsterdam: only 24/7 lines are open.
WEDNESDAY_NIGHT = datetime(2026, 12, 2, 3, 0, tzinfo=AMSTERDAM)


@pytest.fixture
def basic_guide() -> Guide:
    result = load_guide(BASIC)
    assert result.ok, [str(p) for p in result.problems]
    assert result.guide is not None
    return result.guide


@pytest.fixture
def guide_folder(tmp_path: Path) -> Callable[..., Path]:
    """Copy the basic guide into a temp folder, then add or replace files with the given texts."""

    made = 0

    def make(**files: str) -> Path:
        nonlocal made
        made += 1
        folder = tmp_path / ("flows" if made == 1 else f"flows{made}")
        shutil.copytree(BASIC, folder)
        for name, text in files.items():
            (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        return folder

    return make


@pytest.fixture
def load(guide_folder: Callable[..., Path]) -> Callable[..., LoadResult]:
    def run(**files: str) -> LoadResult:
        return load_guide(guide_folder(**files))

    return run
