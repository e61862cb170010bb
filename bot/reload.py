"""Live reload of the guide: new flow files go live only when they load without errors.

A `GuideHolder` hands the adapter the current guide for each update. A watcher polls the flows
folder (names, sizes and modification times of its YAML files) and also wakes on demand (SIGHUP).
A broken edit never reaches users: the previous guide keeps serving and every problem is logged
with its file:line, which is our own YAML and never user data. Users standing on a node that
disappeared get the engine's polite restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.flow.model import Guide
from bot.logs import log_event

if TYPE_CHECKING:
    from bot.flow.loader import LoadResult


GuideLoader = Callable[[Path], "LoadResult"]

# (file name, size in bytes, modification time in ns) of each YAML file in the folder
Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(flows_dir: Path) -> Fingerprint:
    """What changes whenever a flow file is added, removed, renamed or edited."""
    entries: list[tuple[str, int, int]] = []
    try:
        paths = sorted([*flows_dir.glob("*.yaml"), *flows_dir.glob("*.yml")])
    except OSError:
        return ()
    for path in paths:
        try:
            stat = path.stat()
        except OSError:  # removed between listing and stat: the next poll sees it gone
            continue
        entries.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def default_loader(flows_dir: Path) -> LoadResult:
    from bot.flow.loader import load_guide

    return load_guide(flows_dir)


@dataclass
class GuideHolder:
    """The guide currently served; swapped as a whole, never edited in place."""

    guide: Guide
    files: int = 0  # how many YAML files it was loaded from


class FlowWatcher:
    """Checks the flows folder and swaps in a new guide when it is free of errors."""

    def __init__(
        self,
        holder: GuideHolder,
        flows_dir: Path,
        *,
        loader: GuideLoader = default_loader,
        interval: float = 5.0,
    ) -> None:
        self.holder = holder
        self.flows_dir = flows_dir
        self.loader = loader
        self.interval = interval
        self.wake = asyncio.Event()  # set by SIGHUP: reload now, even if nothing seems changed
        self._seen = fingerprint(flows_dir)
        self._waiting: list[asyncio.Future[bool]] = []

    def reload_now(self) -> bool:
        """Load the folder and swap it in if it has no errors; True when the new guide is live."""
        self._seen = fingerprint(self.flows_dir)
        try:
            result = self.loader(self.flows_dir)
        except Exception as error:  # the loader should never raise; if it does, keep serving
            log_event("flow_reload_failed", level=logging.ERROR, problems=1,
                      reason=type(error).__name__)
            return False
        errors = result.errors
        if not result.ok or result.guide is None:
            log_event("flow_reload_failed", level=logging.ERROR,
                      problems=len(errors) or len(result.problems),
                      flow=self.holder.guide.version)
            for problem in errors or result.problems:
                # file:line:col: error: path: message — from our own YAML, no user data
                log_event("flow_problem", level=logging.ERROR, reason=str(problem))
            return False
        previous = self.holder.guide.version
        self.holder.guide = result.guide
        self.holder.files = len(self._seen)
        if result.guide.version != previous:
            log_event("flow_reload_ok", flow=result.guide.version,
                      flows=len(self._seen), count=len(result.guide.nodes))
        return True

    def changed(self) -> bool:
        return fingerprint(self.flows_dir) != self._seen

    def next_reload(self) -> asyncio.Future[bool]:
        """The outcome of the next reload `run` makes: True when a new guide went live.

        Ask before changing the files, so the reload that the change causes is the one awaited
        (tests and tools wait on this instead of sleeping).
        """
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        return waiter

    async def run(self) -> None:
        """Poll until cancelled; reload when the files change or `wake` is set."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.interval)
            forced = self.wake.is_set()
            self.wake.clear()
            if forced or self.changed():
                # Loading is synchronous file work of a few milliseconds; keep it off the loop
                # anyway so a slow disk cannot stall the answers.
                live = await asyncio.to_thread(self.reload_now)
                waiting, self._waiting = self._waiting, []
                for waiter in waiting:
                    if not waiter.done():
                        waiter.set_result(live)
