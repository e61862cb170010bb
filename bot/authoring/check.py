"""`wegwijzer check`: every problem in the guide, one line each, for the people who edit it.

Problems go to stderr, the one-line summary to stdout (as in every staff command). Exit 0: in
order (warnings allowed); 1: errors; 2: no such folder.
"""

from __future__ import annotations

import argparse

from bot.authoring import FAILED, OK, USAGE_ERROR, flows_dir, load_flows, report_problems, say


def main(args: argparse.Namespace) -> int:
    folder = flows_dir(args)
    result = load_flows(folder, "check")
    if result is None:
        return USAGE_ERROR
    report_problems(result)
    errors, warnings = len(result.errors), len(result.warnings)
    nodes = len(result.guide.nodes) if result.guide else 0
    shown = folder.resolve() if folder.parts[:1] in ((), ("..",)) else folder  # not "." or "../.."
    summary = (f"{shown}: {len(result.files)} bestanden, {nodes} stappen: {errors} fout(en), "
               f"{warnings} waarschuwing(en).")
    if errors:
        say(f"{summary} De gids is NIET in orde; herstel de fouten (hierboven, de bovenste eerst).")
        return FAILED
    say(f"{summary} De gids is in orde.")
    return OK
