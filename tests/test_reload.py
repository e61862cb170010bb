"""Live reload: good flow edits go live without a restart, broken ones never reach users."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from bot.flow.loader import load_guide
from bot.reload import FlowWatcher, GuideHolder, fingerprint
from tests.fakes.bot_api import FakeBotApi, FakeUser
from tests.fakes.running_bot import FIXTURE_GUIDE, bot_settings, running_bot
from tests.log_events import LogEvents

WELCOME = "Welkom. Wat is uw rol?"
RELOAD_WITHIN = 5.0  # seconds; the watcher polls every 0.1 s in these tests


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


def test_fingerprint_changes_with_content_names_and_files(flows: Path) -> None:
    """An edit, a new YAML file or a renamed one changes the fingerprint; other files do not count."""
    before = fingerprint(flows)
    edit(flows, WELCOME, "Welkom! Wat is uw rol?")
    after_edit = fingerprint(flows)
    assert after_edit != before
    (flows / "extra.yaml").write_text("# leeg\n")
    assert fingerprint(flows) != after_edit
    (flows / "notes.txt").write_text("not a flow file")
    assert len(fingerprint(flows)) == 2


def test_a_good_edit_is_swapped_in(flows: Path, log_events: LogEvents) -> None:
    """A clean edit goes live at once and is logged with the new guide's version."""
    watcher = watcher_for(flows)
    old_version = watcher.holder.guide.version
    edit(flows, WELCOME, "Goedendag. Wat is uw rol?")
    assert watcher.changed()
    assert watcher.reload_now()
    assert watcher.holder.guide.version != old_version
    assert watcher.holder.guide.nodes["start"].text.nl == "Goedendag. Wat is uw rol?"
    assert not watcher.changed()
    [ok] = log_events.named("flow_reload_ok")
    assert ok["flow"] == watcher.holder.guide.version


def test_a_broken_edit_keeps_the_old_guide_and_logs_every_problem(
    flows: Path, log_events: LogEvents
) -> None:
    """Two broken targets: the old guide stays, and both problems are logged with file:line."""
    watcher = watcher_for(flows)
    old = watcher.holder.guide
    edit(flows, "goto: dreiging\n", "goto: nergens\n")
    edit(flows, "goto: hulp\n", "goto: ook_nergens\n")
    assert not watcher.reload_now()
    assert watcher.holder.guide is old
    [failed] = log_events.named("flow_reload_failed")
    assert failed["problems"] == 2
    problems = [str(event["reason"]) for event in log_events.named("flow_problem")]
    assert len(problems) == 2
    assert all("guide.yaml:" in p for p in problems)
    assert any("nergens" in p for p in problems)


def test_a_half_written_yaml_file_keeps_the_old_guide(flows: Path) -> None:
    """A file caught mid-write (unterminated YAML) never replaces the guide being served."""
    watcher = watcher_for(flows)
    old = watcher.holder.guide
    (flows / "guide.yaml").write_text("guide:\n  start: [unterminated\n")
    assert not watcher.reload_now()
    assert watcher.holder.guide is old


async def test_the_watcher_wakes_on_demand(flows: Path) -> None:
    """With polling effectively off, setting `wake` (what SIGHUP does) reloads the edited guide."""
    watcher = watcher_for(flows)
    watcher.interval = 3600  # only a wake-up can trigger it
    task = asyncio.create_task(watcher.run())
    try:
        reloaded = watcher.next_reload()
        edit(flows, WELCOME, "Goedendag. Wat is uw rol?")
        watcher.wake.set()
        assert await asyncio.wait_for(reloaded, RELOAD_WITHIN)
        assert watcher.holder.guide.nodes["start"].text.nl == "Goedendag. Wat is uw rol?"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def test_running_bot_serves_new_text_keeps_old_on_errors_and_restarts_removed_nodes(
    api: FakeBotApi, tmp_path: Path, flows: Path
) -> None:
    """The bar: broken file -> old flows keep answering; good file -> new text, no restart."""
    settings = bot_settings(api, tmp_path, flows_dir=flows, WEGWIJZER_RELOAD_SECONDS="0.1")
    async with running_bot(settings) as bot:
        watcher = bot.runtime.watcher
        serving = bot.runtime.holder.guide
        user = FakeUser(api)
        assert WELCOME in await user.start()

        # A broken edit that would also change the welcome text, were it ever swapped in.
        reloaded = watcher.next_reload()
        edit(flows, WELCOME, "Kapotte versie. Wat is uw rol?")
        edit(flows, "goto: dreiging\n", "goto: nergens\n")
        assert not await asyncio.wait_for(reloaded, RELOAD_WITHIN), "a broken guide went live"
        assert bot.runtime.holder.guide is serving
        assert WELCOME in await user.start(), "a broken edit must not reach users"
        await user.press("Burgemeester")
        assert "Bij direct gevaar" in await user.press("Ik word bedreigd")

        reloaded = watcher.next_reload()
        edit(flows, "goto: nergens\n", "goto: dreiging\n")
        edit(flows, "Kapotte versie. Wat is uw rol?", "Goedendag. Wat is uw rol?")
        assert await asyncio.wait_for(reloaded, RELOAD_WITHIN)
        assert "Goedendag" in await user.start()

        await user.press("Burgemeester")  # now standing on "menu"
        guide = flows / "guide.yaml"
        text = guide.read_text()
        text = text.replace("        goto: menu\n", "        goto: dreiging\n")
        start, end = text.index("  menu:\n"), text.index("  dreiging:\n")
        reloaded = watcher.next_reload()
        guide.write_text(text[:start] + text[end:])
        assert await asyncio.wait_for(reloaded, RELOAD_WITHIN)
        assert "menu" not in bot.runtime.holder.guide.nodes
        answer = await user.send("/help")
        assert "De gids is bijgewerkt; u begint opnieuw." in answer
