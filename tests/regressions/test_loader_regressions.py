"""Shrunk Hypothesis failures of the flow loader, kept so they never come back.

Each test names the property that found it, the shrunk input and what went wrong before the fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flow.loader import load_guide


@pytest.mark.parametrize(("content", "line"), [
    (b"\x00", 1),
    (b"nodes:\n  a\x00b: {}\n", 2),
    (b"nodes: {}\n\n# \x07\n", 3),
    ("x: \ufffe".encode(), 1),
])
def test_a_control_character_is_a_problem_with_a_line_not_a_crash(
    tmp_path: Path, content: bytes, line: int
) -> None:
    """Found by test_fuzz_loader.test_random_bytes_and_yaml_soup with content=b'\\x00'.

    Before: PyYAML's ReaderError ("special characters are not allowed") escaped `load_guide`
    from `yaml.SafeLoader(text)`, so `wegwijzer check` and a live reload crashed with a traceback.
    """
    (tmp_path / "nodes.yaml").write_bytes(content)
    result = load_guide(tmp_path)
    assert not result.ok
    problem = next(p for p in result.errors if "stuurteken" in p.message)
    assert problem.location.file.endswith("nodes.yaml")
    assert problem.location.line == line
