"""Loading a guide in tests: one place that insists it loads cleanly and says why not."""

from __future__ import annotations

from pathlib import Path

from bot.flow.loader import load_guide
from bot.flow.model import Guide

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "flows"


def load_ok(folder: Path) -> Guide:
    """The guide in `folder`; fails the test with every problem when it does not load cleanly."""
    result = load_guide(folder)
    assert result.ok, [str(problem) for problem in result.problems]
    assert result.guide is not None
    return result.guide
