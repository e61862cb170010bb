"""Hypothesis feeds the flow loader random and hostile YAML.

Random bytes, YAML punctuation soup, deep nesting, alias bombs, huge strings and random mappings
in the shape of a flow file: every one either loads, or gives problems that name a file and a line
(`file:line:col: error: ...`). None may raise, and none may take long. Shrunk failures are kept in
tests/regressions/.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.flow.loader import LoadResult, load_guide

ROOT = Path(__file__).resolve().parents[1]
BASIC = ROOT / "tests" / "fixtures" / "core" / "basic"
PROBLEM_LINE = re.compile(r"^.+:\d+:\d+: (error|warning): ")
SLOW_LOAD_SECONDS = 1.0
# Nesting thousands of levels deep costs PyYAML 1-2 s before the loader's depth limit (or Python's
# recursion limit) stops it: bounded, not a hang. Measured figures in docs/reliability.md.
DEEP_NESTING_SECONDS = 4.0


@contextmanager
def guide_with(files: dict[str, bytes], *, base: Path | None = BASIC) -> Iterator[Path]:
    """A temporary flows folder: the basic guide (or nothing) with some files replaced."""
    with tempfile.TemporaryDirectory(prefix="wegwijzer-fuzz-") as tmp:
        folder = Path(tmp) / "flows"
        if base is not None:
            shutil.copytree(base, folder)
        else:
            folder.mkdir()
        for name, content in files.items():
            (folder / name).write_bytes(content)
        yield folder


def assert_loads_or_names_the_place(folder: Path, *, within: float = SLOW_LOAD_SECONDS) -> LoadResult:
    started = time.perf_counter()
    result = load_guide(folder)  # must not raise
    elapsed = time.perf_counter() - started
    assert elapsed < within, f"loading took {elapsed:.2f} s"
    if not result.ok:
        assert result.errors, "not ok, yet no error explains why"
    for problem in result.problems:
        text = str(problem)
        assert PROBLEM_LINE.match(text), text
        assert problem.location.line >= 1, text
        assert problem.location.column >= 1, text
        assert problem.location.file, text
        assert problem.message.strip(), text
    return result


FUZZ = settings(max_examples=60, deadline=3000,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

YAML_PIECES = [*"ab01:-[]{},&*!|>'\"#%@`?\n\t ", "  ", "\n  ", "nodes:", "guide:", "\u00e9", "\x00"]
YAML_SOUP = st.lists(st.sampled_from(YAML_PIECES), max_size=120).map("".join)


@FUZZ
@given(content=st.one_of(st.binary(max_size=400), YAML_SOUP.map(str.encode)),
       name=st.sampled_from(["nodes.yaml", "guide.yaml", "extra.yaml", "extra.yml"]))
def test_random_bytes_and_yaml_soup(content: bytes, name: str) -> None:
    """Random bytes and broken YAML either load or name the file and place, never crash."""
    with guide_with({name: content}) as folder:
        assert_loads_or_names_the_place(folder)


def nested(kind: str, depth: int) -> str:
    if kind == "flow-list":
        return "nodes: " + "[" * depth + "]" * depth + "\n"
    if kind == "flow-map":
        return "nodes: " + "{a: " * depth + "1" + "}" * depth + "\n"
    if kind == "block-map":
        return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "x\n"
    return "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x\n"


@pytest.mark.parametrize("kind", ["flow-list", "flow-map", "block-map", "block-list"])
@pytest.mark.parametrize("depth", [41, 300, 3000])
def test_deep_nesting(kind: str, depth: int) -> None:
    """Deeply nested lists or mappings are refused quickly with their place named."""
    with guide_with({"extra.yaml": nested(kind, depth).encode()}) as folder:
        result = assert_loads_or_names_the_place(folder, within=DEEP_NESTING_SECONDS)
        assert not result.ok


def test_a_megabyte_of_open_brackets() -> None:
    """A megabyte of open brackets is refused within the time limit."""
    content = b"nodes: " + b"[" * (1024 * 1024 - 16)
    with guide_with({"extra.yaml": content}) as folder:
        assert not assert_loads_or_names_the_place(folder, within=DEEP_NESTING_SECONDS).ok


def alias_bomb(width: int, levels: int) -> str:
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "nodes:\n" + "\n".join("  " + line for line in lines) + "\n"


@FUZZ
@given(width=st.integers(min_value=1, max_value=12), levels=st.integers(min_value=1, max_value=12))
def test_alias_bombs_are_refused_quickly(width: int, levels: int) -> None:
    """YAML alias bombs (billion laughs) are refused before they expand."""
    with guide_with({"extra.yaml": alias_bomb(width, levels).encode()}) as folder:
        result = assert_loads_or_names_the_place(folder)
        assert not result.ok


@settings(max_examples=8, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(size=st.sampled_from([200_000, 900_000, 1_100_000, 3_000_000]),
       where=st.sampled_from(["text", "key", "comment"]))
def test_huge_strings(size: int, where: str) -> None:
    """Huge texts, keys and comments load or are named, without a crash."""
    blob = "x" * size
    content = {
        "text": f'nodes:\n  groot:\n    text: {{nl: "{blob}"}}\n    end: true\n',
        "key": f"nodes:\n  {blob}:\n    text: {{nl: a}}\n    end: true\n",
        "comment": f"# {blob}\nnodes: {{}}\n",
    }[where]
    with guide_with({"extra.yaml": content.encode()}) as folder:
        assert_loads_or_names_the_place(folder)


# Random values in the places a flow file has, so the reader's type checks are all visited.
scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
                   st.floats(allow_nan=True), st.text(max_size=30), st.dates(),
                   st.sampled_from(["start", "menu", "nood", "hulp", "dreiging", "ondersteuningsteam",
                                    "rol", "burgemeester", "24/7", "yes", "on", "~", "112",
                                    "070-3738314", "https://example.org", "09:00", "25:99"]))
value = st.recursive(scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8),
                              st.sampled_from(["nl", "en", "text", "options", "goto", "label",
                                               "set", "when", "unless", "end", "contacts",
                                               "requires", "phone", "hours", "schedule", "days",
                                               "open", "close", "source", "verified", "name",
                                               "words", "emergency", "values", "ask"])),
                    inner, max_size=5),
), max_leaves=25)
flow_file = st.dictionaries(
    st.sampled_from(["guide", "variables", "entry_points", "keywords", "nodes", "contacts",
                     "other"]),
    st.one_of(value, st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), value,
                                     max_size=4)),
    max_size=4,
)


@FUZZ
@given(data=flow_file, name=st.sampled_from(["nodes.yaml", "extra.yaml", "contacts.yaml"]))
def test_random_mappings_in_the_flow_shape(data: dict[str, object], name: str) -> None:
    """Random mappings shaped like flow files load or give named problems, never an exception."""
    content = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
    with guide_with({name: content}) as folder:
        assert_loads_or_names_the_place(folder)


def _mutations() -> st.SearchStrategy[tuple[str, list[str | int], object]]:
    return st.tuples(
        st.sampled_from(["nodes.yaml", "guide.yaml", "contacts.yaml"]),
        st.lists(st.one_of(st.integers(0, 12), st.text(max_size=6)), min_size=1, max_size=5),
        value,
    )


@FUZZ
@given(mutations=st.lists(_mutations(), min_size=1, max_size=4))
def test_the_basic_guide_with_random_damage(mutations: list[tuple[str, list[str | int], object]]) -> None:
    """Replace one value deep inside a working guide: most mistakes are one wrong value."""
    files = {path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in BASIC.glob("*.yaml")}
    for name, steps, new in mutations:
        node = files[name]
        for step in steps[:-1]:
            if isinstance(node, dict) and node:
                keys = list(node)
                node = node[keys[step % len(keys)]] if isinstance(step, int) else node.get(step, node)
            elif isinstance(node, list) and node:
                node = node[(step if isinstance(step, int) else len(step)) % len(node)]
        last = steps[-1]
        if isinstance(node, dict):
            keys = list(node)
            key = keys[last % len(keys)] if isinstance(last, int) and keys else str(last)
            node[key] = new
        elif isinstance(node, list) and node:
            node[(last if isinstance(last, int) else 0) % len(node)] = new
    encoded = {name: yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
               for name, data in files.items()}
    with guide_with(encoded, base=None) as folder:
        assert_loads_or_names_the_place(folder)


def test_an_empty_folder_and_an_empty_file_are_named() -> None:
    """An empty flows folder and an empty guide file are both refused with a named problem."""
    with guide_with({}, base=None) as folder:
        assert not assert_loads_or_names_the_place(folder).ok
    with guide_with({"guide.yaml": b""}, base=None) as folder:
        assert not assert_loads_or_names_the_place(folder).ok
