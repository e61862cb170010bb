"""The conversation tests in a diff: which were added, removed or changed between two versions.

A reviewer who sees a changed text should also see whether a test that pinned it was changed
with it (or dropped). Tests are compared by file and name; a changed test shows its steps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from bot.authoring.text_diff import Section


def conversation_tests(folder: Path) -> dict[tuple[str, str], str]:
    """(file, test name) -> its steps as one comparable line, for every tests/*.yaml in `folder`."""
    found: dict[tuple[str, str], str] = {}
    for path in sorted([*folder.glob("tests/*.yaml"), *folder.glob("tests/*.yml")]):
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            found[(f"tests/{path.name}", "(niet te lezen)")] = path.read_bytes().hex()[:64]
            continue
        tests = data.get("tests") if isinstance(data, dict) else None
        for index, test in enumerate(tests if isinstance(tests, list) else []):
            name = str(test.get("name", f"test {index + 1}")) if isinstance(test, dict) else f"test {index + 1}"
            found[(f"tests/{path.name}", name)] = json.dumps(test, ensure_ascii=False, sort_keys=True, default=str)
    return found


def _steps(serialised: str) -> str:
    try:
        test = json.loads(serialised)
    except ValueError:
        return ""
    steps = test.get("steps") if isinstance(test, dict) else None
    if not isinstance(steps, list):
        return ""
    return "; ".join(", ".join(f"{key}: {value}" for key, value in step.items()) if isinstance(step, dict)
                     else str(step) for step in steps)


def compare_tests(old: Path, new: Path) -> Section | None:
    """One section listing every added (+), removed (-) and changed (~) conversation test, or None."""
    before, after = conversation_tests(old), conversation_tests(new)
    lines: list[str] = []
    for key in sorted(before.keys() | after.keys()):
        file, name = key
        if key not in before:
            lines.append(f"+ {file}: '{name}' (nieuw)")
        elif key not in after:
            lines.append(f"- {file}: '{name}' (weg: deze test bewaakt niets meer)")
        elif before[key] != after[key]:
            lines.append(f"~ {file}: '{name}' veranderd")
            lines.append(f"    was: {_steps(before[key])}")
            lines.append(f"    nu:  {_steps(after[key])}")
    return Section("Gesprekstesten (flows/tests)", tuple(lines)) if lines else None
