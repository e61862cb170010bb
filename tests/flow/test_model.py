"""The guide model: frozen all the way down, and the engine's modules pure."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from bot.flow.loader import load_guide
from bot.flow.model import Guide

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "flows"
FLOW_PACKAGE = ROOT / "bot" / "flow"
# What the engine and everything it imports may never use: transports, storage, concurrency, the
# process environment and files (os), the wall clock (time; the clock is an argument) and YAML.
NOT_IN_THE_ENGINE = {"telegram", "aiosqlite", "sqlite3", "asyncio", "httpx", "os", "time", "yaml"}
NOT_IN_BOT_FLOW = {"telegram", "aiosqlite", "sqlite3", "asyncio", "httpx", "os"}


@pytest.fixture(scope="module")
def shipped() -> Guide:
    result = load_guide(SHIPPED)
    assert result.guide is not None
    return result.guide


def reachable(value: object) -> Iterator[object]:
    """Every value inside a guide: dataclass fields, tuple items, mapping keys and values."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack += [getattr(item, f.name) for f in dataclasses.fields(item)]
        elif isinstance(item, Mapping):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, tuple | list | set | frozenset | dict):
            stack += list(item)


def test_no_mapping_of_a_loaded_guide_can_be_changed(shipped: Guide) -> None:
    """Assigning into any of the guide's mappings raises TypeError, so no code can alter it at run time."""
    mappings = {f.name: getattr(shipped, f.name) for f in dataclasses.fields(shipped)
                if isinstance(getattr(shipped, f.name), Mapping)}
    assert {"nodes", "contacts", "messages", "buttons"} <= set(mappings)
    for name, mapping in mappings.items():
        with pytest.raises(TypeError):
            mapping["sneaky"] = None  # type: ignore[index]  # the point: it must refuse
        assert "sneaky" not in mapping, name


def test_nothing_mutable_is_reachable_from_a_loaded_guide(shipped: Guide) -> None:
    """No list, dict or set anywhere inside the shipped guide: only frozen values, tuples and read-only views."""
    mutable = [type(item).__name__ for item in reachable(shipped) if isinstance(item, list | dict | set)]
    assert mutable == []


def test_the_guide_keeps_its_own_copy_of_what_it_was_built_from(shipped: Guide) -> None:
    """Changing the dict a guide was built from afterwards leaves the guide as it was."""
    nodes = dict(shipped.nodes)
    copy = replace(shipped, nodes=nodes)
    nodes.clear()
    assert set(copy.nodes) == set(shipped.nodes)


def imports_of(module: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            if node.module == "bot.flow":
                names |= {f"bot.flow.{alias.name}" for alias in node.names}
    return names


def engine_modules() -> set[Path]:
    """engine.py and every bot.flow module it imports, directly or through another one."""
    found: set[Path] = set()
    todo = [FLOW_PACKAGE / "engine.py"]
    while todo:
        module = todo.pop()
        if module in found or not module.is_file():
            continue
        found.add(module)
        todo += [FLOW_PACKAGE / f"{name.removeprefix('bot.flow.')}.py"
                 for name in imports_of(module) if name.startswith("bot.flow.")]
    return found


def test_the_engine_and_what_it_imports_use_no_io_clock_or_yaml() -> None:
    """The engine's modules import no telegram, storage, asyncio, os, time or yaml (the clock is an argument)."""
    modules = engine_modules()
    assert {"engine.py", "model.py", "session.py", "render.py"} <= {m.name for m in modules}
    for module in modules:
        used = {name.split(".")[0] for name in imports_of(module)}
        assert not used & NOT_IN_THE_ENGINE, f"{module.name} imports {sorted(used & NOT_IN_THE_ENGINE)}"


def test_nothing_in_bot_flow_reads_the_environment_or_talks_to_the_outside() -> None:
    """No bot/flow module imports telegram, storage, asyncio, httpx or os (the loader reads files via pathlib)."""
    for module in FLOW_PACKAGE.glob("*.py"):
        used = {name.split(".")[0] for name in imports_of(module)}
        assert not used & NOT_IN_BOT_FLOW, f"{module.name} imports {sorted(used & NOT_IN_BOT_FLOW)}"
