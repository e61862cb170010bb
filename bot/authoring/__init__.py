"""Tools for the network staff who write the guidance: graph, preview, conversation tests, diff.

Each tool reads the flows through the same loader and checks as the bot, so what staff see here is
what users will get. The shared pieces (finding the flows folder, loading it, printing problems)
live here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.flow.loader import LoadResult, load_guide
from bot.flow.model import Guide
from bot.flows_folder import for_staff, missing_nl

OK = 0
FAILED = 1
USAGE_ERROR = 2


def flows_dir(args: argparse.Namespace) -> Path:
    """The flows folder by the bot's own rule (`.env`, then the environment, then `--flows DIR`),
    looked for from the project folder or from inside `flows/` (see bot.flows_folder).

    Only the non-secret part of the settings is resolved, so a half-configured bot (a bad webhook
    setting, no secret key) never stops staff from looking at their flows.
    """
    return for_staff(args)


def load_flows(folder: Path, command: str) -> LoadResult | None:
    """Load the flows folder; None (after saying why on stderr) when there is no such folder."""
    if not folder.is_dir():
        say_error(f"wegwijzer {command}: {missing_nl(folder)}")
        return None
    return load_guide(folder)


def clean_guide(folder: Path, command: str, *, exit_code: int = FAILED) -> Guide | int:
    """The guide of `folder` when it loads without errors; otherwise say why, once, in the same
    words for every command, and return the command's exit code for it."""
    result = load_flows(folder, command)
    if result is None:
        return USAGE_ERROR
    if result.guide is None or not result.ok:
        report_problems(result)
        say_error(f"wegwijzer {command}: de gids in {folder} heeft fouten; herstel die eerst (wegwijzer check).")
        return exit_code
    return result.guide


def report_problems(result: LoadResult) -> None:
    """Every problem of a load on stderr, one `file:line:col: severity: path: message` a line,
    with what follows from an unreadable file grouped under it."""
    for line in result.lines():
        say_error(line)


def say(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def say_error(text: str) -> None:
    sys.stderr.write(text if text.endswith("\n") else text + "\n")
