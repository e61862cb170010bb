"""`wegwijzer check`: every problem in the guide, one line each, for the people who edit it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.flow.loader import load_guide

EXIT_CLEAN = 0
EXIT_ERRORS = 1
EXIT_USAGE = 2


def default_flows_dir() -> Path:
    return Path(os.environ.get("WEGWIJZER_FLOWS_DIR") or "flows")


def main(args: argparse.Namespace) -> int:
    flows_dir: Path = args.flows_dir or default_flows_dir()
    if not flows_dir.is_dir():
        print(
            f"wegwijzer check: de map '{flows_dir}' bestaat niet. Geef de map met de "
            "YAML-bestanden van de gids, bijvoorbeeld: wegwijzer check flows/",
            file=sys.stderr,
        )
        return EXIT_USAGE
    result = load_guide(flows_dir)
    for problem in result.problems:
        print(problem)
    errors, warnings = len(result.errors), len(result.warnings)
    nodes = len(result.guide.nodes) if result.guide else 0
    summary = f"{len(result.files)} bestanden, {nodes} stappen: {errors} fout(en), {warnings} waarschuwing(en)."
    if errors:
        print(f"{summary} De gids is NIET in orde; herstel de fouten hierboven.", file=sys.stderr)
        return EXIT_ERRORS
    print(f"{summary} De gids is in orde.", file=sys.stderr)
    return EXIT_CLEAN
