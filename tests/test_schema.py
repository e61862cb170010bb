"""The JSON Schema for editors agrees with the loader: what the loader accepts, the schema accepts."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.flow.loader import load_guide

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "flows" / "schema" / "flow.schema.json"
FIXTURE = ROOT / "tests" / "fixtures" / "authoring" / "flows"
FOLDERS = [ROOT / "flows", FIXTURE, *sorted((ROOT / "tests" / "fixtures").glob("*/guide"))]
SCHEMA_COMMENT = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


class _EditorLoader(yaml.SafeLoader):
    """YAML as an editor's schema check sees it: dates stay text (JSON has no date type)."""


_EditorLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _schema_errors(validator: jsonschema.Draft7Validator, path: Path) -> list[str]:
    data: Any = yaml.load(path.read_text(encoding="utf-8"), Loader=_EditorLoader)  # noqa: S506 - a SafeLoader subclass

    def leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
        return [leaf for child in error.context or [] for leaf in leaves(child)] or [error]

    return [
        f"{path}: {'.'.join(map(str, leaf.absolute_path))}: {leaf.message[:160]}"
        for error in validator.iter_errors(data or {})
        for leaf in leaves(error)
    ]


def _accepted_files(folder: Path) -> list[Path]:
    """The folder's YAML files in which the loader finds no error."""
    result = load_guide(folder)
    with_errors = {Path(problem.location.file).name for problem in result.errors}
    return [path for path in sorted(folder.glob("*.yaml")) if path.name not in with_errors]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: str(folder.relative_to(ROOT)))
def test_every_file_the_loader_accepts_the_schema_accepts(
    validator: jsonschema.Draft7Validator, folder: Path
) -> None:
    """Shipped flows and fixtures: no file the bot would load is underlined in an editor."""
    accepted = _accepted_files(folder)
    assert accepted, f"the loader accepts no file in {folder}"
    problems = [message for path in accepted for message in _schema_errors(validator, path)]
    assert problems == []


INVALID = {
    "misspelt node field": ("nodes.yaml", "    title: {nl: Aangifte", "    titel: {nl: Aangifte"),
    "option without goto or set": ("nodes.yaml", "        goto: online\n", "\n"),
    "http web address": ("contacts.yaml", "url: https://www.politie.nl/themas/aangifte-doen.html",
                         "url: http://www.politie.nl/themas/aangifte-doen.html"),
    "hours as free text": ("contacts.yaml", 'hours: "24/7"\n    source: https://www.burgemeesters',
                           'hours: "9-17"\n    source: https://www.burgemeesters'),
    "text without Dutch": ("nodes.yaml", 'text: {nl: "Bel nu 112.", en: "Call 112 now."}',
                           'text: {en: "Call 112 now."}'),
    "node id with capitals": ("nodes.yaml", "  hulp:\n", "  Hulp:\n"),
    "unknown weekday": ("contacts.yaml", "days: [ma, di, wo, do, vr]", "days: [maandag, di]"),
    "time without quotes": ("contacts.yaml", 'open: "09:00"', "open: 9:00"),
    "missing verified date": ("contacts.yaml", "    verified: 2026-11-29\n\n  ondersteuningsteam:",
                              "\n  ondersteuningsteam:"),
    "unknown section": ("guide.yaml", "variables:\n", "variabelen:\n"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_documents_are_rejected_by_both(
    validator: jsonschema.Draft7Validator, tmp_path: Path, case: str
) -> None:
    """A typical mistake is an error for the loader and underlined by the schema alike."""
    file_name, old, new = INVALID[case]
    folder = tmp_path / "flows"
    shutil.copytree(FIXTURE, folder, ignore=shutil.ignore_patterns("tests"))
    path = folder / file_name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert [p for p in load_guide(folder).errors if Path(p.location.file).name == file_name]
    assert _schema_errors(validator, path)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: str(folder.relative_to(ROOT)))
def test_schema_comments_point_at_the_schema(folder: Path) -> None:
    """A file that names a schema for the editor names the real one."""
    for path in sorted(folder.glob("*.yaml")):
        match = SCHEMA_COMMENT.match(path.read_text(encoding="utf-8").splitlines()[0])
        if match:
            assert (path.parent / match.group(1)).resolve() == SCHEMA_FILE, path


def test_every_shipped_flow_file_names_the_schema_on_its_first_line() -> None:
    """Editors (VS Code's YAML support) find the schema through the first line of each file."""
    for path in sorted((ROOT / "flows").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=schema/flow.schema.json", path
