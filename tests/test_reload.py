"""Live reload: good flow edits go live without a restart, broken ones never reach users."""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

import pytest

from bot.flow.loader import load_guide
from bot.reload import FlowWatcher, GuideHolder, fingerprint
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import FIXTURE_GUIDE, bot_settings, running_bot

WELCOME = "Welkom. Wat is uw rol?"


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    shutil.copytree(FIXTURE_GUIDE, folder)
    return folder


def edit(flows: Path, old: str, new: str) -> None:
    guide = flows / "guide.yaml"
    text = guide.read_text()
    assert old in text
    guide.write_text(text.replace(old, new, 1))


def watcher_for(flows: Path) -> FlowWatcher:
    result = load_guide(flows)
    assert result.guide is not None
    return FlowWatcher(GuideHolder(result.guide, files=1), flows, interval=0.05)


def events(caplog: pytest.LogCaptureFixture, name: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == name]


def test_fingerprint_changes_with_content_names_and_files(flows: Path) -> None:
    before = fingerprint(flows)
    edit(flows, WELCOME, "Welkom! Wat is uw rol?")
    after_edit = fingerprint(flows)
    assert after_edit != before
    (flows / "extra.yaml").write_text("# leeg\n")
    assert fingerprint(flows) != after_edit
    (flows / "notes.txt").write_text("not a flow file")
    assert len(fingerprint(flows)) == 2


def test_a_good_edit_is_swapped_in(flows: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    watcher = watcher_for(flows)
    old_version = watcher.holder.guide.version
    edit(flows, WELCOME, "Goedendag. Wat is uw rol?")
    assert watcher.changed()
    assert watcher.reload_now()
    assert watcher.holder.guide.version != old_version
    assert watcher.holder.guide.nodes["start"].text.nl == "Goedendag. Wat is uw rol?"
    assert not watcher.changed()
    [ok] = events(caplog, "flow_reload_ok")
    assert ok.fields["flow"] == watcher.holder.guide.version  # type: ignore[attr-defined]


def test_a_broken_edit_keeps_the_old_guide_and_logs_every_problem(
    flows: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    watcher = watcher_for(flows)
    old = watcher.holder.guide
    edit(flows, "goto: dreiging\n", "goto: nergens\n")
    edit(flows, "goto: hulp\n", "goto: ook_nergens\n")
    assert not watcher.reload_now()
    assert watcher.holder.guide is old
    [failed] = events(caplog, "flow_reload_failed")
    assert failed.fields["problems"] == 2  # type: ignore[attr-defined]
    problems = [r.fields["reason"] for r in events(caplog, "flow_problem")]  # type: ignore[attr-defined]
    assert len(problems) == 2
    assert all("guide.yaml:" in p for p in problems)
    assert any("nergens" in p for p in problems)


def test_a_half_written_yaml_file_keeps_the_old_guide(flows: Path) -> None:
    watcher = watcher_for(flows)
    old = watcher.holder.guide
    (flows / "guide.yaml").write_text("guide:\n  start: [unterminated\n")
    assert not watcher.reload_now()
    assert watcher.holder.guide is old


async def test_the_watcher_polls_and_wakes_on_demand(flows: Path) -> None:
    watcher = watcher_for(flows)
    watcher.interval = 3600  # only a wake-up can trigger it
    task = asyncio.create_task(watcher.run())
    try:
        edit(flows, WELCOME, "Goedendag. Wat is uw rol?")
        watcher.wake.set()  # what SIGHUP does
        for _ in range(100):
            if "Goedendag" in watcher.holder.guide.nodes["start"].text.nl:
                break
            await asyncio.sleep(0.02)
        assert "Goedendag" in watcher.holder.guide.nodes["start"].text.nl
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task



async def answer_containing(user: FakeUser, text: str, expected: str) -> str:
    """Send `text` until the answer contains `expected` (the watcher polls every 50 ms)."""
    answer = ""
    for _ in range(60):
        answer = await user.send(text)
        if expected in answer:
            return answer
        await asyncio.sleep(0.05)
    return answer


async def test_running_bot_serves_new_text_keeps_old_on_errors_and_restarts_removed_nodes(
    api: FakeBotApi, tmp_path: Path, flows: Path
) -> None:
    """The bar: broken file -> old flows keep answering; good file -> new text, no restart."""
    settings = bot_settings(api, tmp_path, flows_dir=flows, WEGWIJZER_RELOAD_SECONDS="0.1")
    async with running_bot(settings) as bot:
        user = FakeUser(api)
        assert WELCOME in await user.start()

        edit(flows, "goto: dreiging\n", "goto: nergens\n")
        await asyncio.sleep(0.4)  # several polls
        assert WELCOME in await user.start(), "a broken edit must not reach users"

        edit(flows, "goto: nergens\n", "goto: dreiging\n")
        edit(flows, WELCOME, "Goedendag. Wat is uw rol?")
        assert "Goedendag" in await answer_containing(user, "/start", "Goedendag")

        await user.press("Burgemeester")  # now standing on "menu"
        guide = flows / "guide.yaml"
        text = guide.read_text()
        text = text.replace("        goto: menu\n", "        goto: dreiging\n")
        start, end = text.index("  menu:\n"), text.index("  dreiging:\n")
        guide.write_text(text[:start] + text[end:])
        for _ in range(60):
            if "menu" not in bot.runtime.holder.guide.nodes:
                break
            await asyncio.sleep(0.05)
        assert "menu" not in bot.runtime.holder.guide.nodes
        answer = await user.send("/help")
        assert "De gids is bijgewerkt; u begint opnieuw." in answer
