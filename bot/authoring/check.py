"""`wegwijzer check`: every problem in the guide, one line each, for the people who edit it."""

from __future__ import annotations

import argparse
import sys

from bot.authoring import FAILED, OK, USAGE_ERROR, flows_dir
from bot.flow.loader import load_guide


def main(args: argparse.Namespace) -> int:
    folder = flows_dir(args)
    if not folder.is_dir():
        print(
            f"wegwijzer check: de map '{folder}' bestaat niet. Geef de map met de "
            "YAML-bestanden van de gids, bijvoorbeeld: wegwijzer check flows/",
            file=sys.stderr,
        )
        return USAGE_ERROR
    result = load_guide(folder)
    for problem in result.problems:
        print(problem)
    errors, warnings = len(result.errors), len(result.warnings)
    nodes = len(result.guide.nodes) if result.guide else 0
    summary = f"{len(result.files)} bestanden, {nodes} stappen: {errors} fout(en), {warnings} waarschuwing(en)."
    if errors:
        print(f"{summary} De gids is NIET in orde; herstel de fouten hierboven.", file=sys.stderr)
        return FAILED
    print(f"{summary} De gids is in orde.", file=sys.stderr)
    return OK
