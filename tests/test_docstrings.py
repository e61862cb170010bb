"""Every test says in one sentence what behaviour it pins (STYLE.md), so a failure reads as a broken promise."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_every_test_has_a_one_sentence_docstring() -> None:
    """Each test function under tests/ has a docstring whose first line is a sentence."""
    missing = []
    for module in sorted(TESTS.rglob("test_*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                doc = ast.get_docstring(node) or ""
                if not doc.strip():
                    missing.append(f"{module.relative_to(TESTS)}:{node.lineno}: {node.name}")
    assert missing == [], "tests without a docstring:\n" + "\n".join(missing)
