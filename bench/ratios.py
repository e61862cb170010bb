"""Wegwijzer against the floor: ratios per round, and their median, min and max over rounds.

A ratio compares two bots measured in the same round (one after the other, same machine load), so
it means something where the absolute figures of a shared machine do not. One round decides
nothing: the verdict against a target is taken on the median over the rounds, and the number of
rounds that met the target is shown next to it.

No imports from the rest of bench/, so tests/test_bench_ratios.py can load this file alone.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

PHASES = ("one_user", "closed_loop", "burst", "start_burst")


@dataclass(frozen=True, slots=True)
class Target:
    """A bound on one ratio: `at_most` (CPU, latency) or at least (throughput)."""

    bound: float
    at_most: bool

    def met(self, value: float) -> bool:
        return value <= self.bound if self.at_most else value >= self.bound

    def __str__(self) -> str:
        return f"{'≤' if self.at_most else '≥'} {self.bound:g}"


# Issue 12, "Performance": Wegwijzer (uncapped) against the bare-PTB floor.
RATIO_TARGETS = {
    "cpu_per_update_one_user": Target(1.2, at_most=True),
    "cpu_per_update_start_burst": Target(1.3, at_most=True),
    "throughput_start_burst": Target(0.85, at_most=False),
    "p95_one_user": Target(1.2, at_most=True),
}


def _ratio(ours: Any, floor: Any) -> float | None:
    """ours / floor, or None when either figure is missing, not a number or the floor's is 0."""
    if not isinstance(ours, int | float) or not isinstance(floor, int | float):
        return None
    if not math.isfinite(ours) or not math.isfinite(floor) or floor == 0:
        return None
    return ours / floor


def ratios(reports: dict[str, dict[str, Any]], name: str, floor_name: str) -> dict[str, float]:
    """Every ratio of bot `name` to bot `floor_name` that both reports have the figures for."""
    floor, ours = reports.get(floor_name), reports.get(name)
    if not floor or not ours:
        return {}
    pairs = {}
    for phase in PHASES:
        if phase in floor and phase in ours:
            pairs[f"cpu_per_update_{phase}"] = (ours[phase].get("bot_cpu_ms_per_update"),
                                                floor[phase].get("bot_cpu_ms_per_update"))
            pairs[f"throughput_{phase}"] = (ours[phase].get("updates_per_s"), floor[phase].get("updates_per_s"))
    if "one_user" in floor and "one_user" in ours:
        pairs["p95_one_user"] = (ours["one_user"].get("p95_ms"), floor["one_user"].get("p95_ms"))
    out = {}
    for key, (mine, theirs) in pairs.items():
        value = _ratio(mine, theirs)
        if value is not None:
            out[key] = round(value, 3)
    return out


def comparisons(reports: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(wegwijzer bot, floor bot) pairs that have at least one ratio."""
    floors = [name for name in reports if name.startswith("floor")]
    ours = [name for name in reports if name.startswith("wegwijzer")]
    return [(name, floor) for name in ours for floor in floors if ratios(reports, name, floor)]


def summarize(rounds: list[dict[str, float]]) -> dict[str, dict[str, Any]]:
    """Per ratio: its value in each round (None where that round lacks it), median, min, max, verdict.

    A round that lacks a ratio (the bot did not answer, say) is left out of the median and counted
    in `missing`, not silently treated as a good or bad value.
    """
    summary: dict[str, dict[str, Any]] = {}
    for key in _ordered_keys(rounds):
        per_round = [one.get(key) for one in rounds]
        values = [value for value in per_round if value is not None]
        median = statistics.median(values)
        entry: dict[str, Any] = {"rounds": per_round, "median": round(median, 3),
                                 "min": min(values), "max": max(values),
                                 "missing": len(per_round) - len(values)}
        target = RATIO_TARGETS.get(key)
        if target is not None:
            entry["target"] = str(target)
            entry["met"] = target.met(median)
            entry["rounds_met"] = sum(1 for value in values if target.met(value))
        summary[key] = entry
    return summary


def _ordered_keys(rounds: list[dict[str, float]]) -> list[str]:
    """The targeted ratios first, in the issue's order, then the others as they first appear."""
    seen: dict[str, None] = {}
    for one in rounds:
        seen.update(dict.fromkeys(one))
    return [key for key in RATIO_TARGETS if key in seen] + [key for key in seen if key not in RATIO_TARGETS]


def summary_lines(summary: dict[str, dict[str, Any]]) -> list[str]:
    """The summary as a table: ratio, target, median, min, max, verdict, each round's value."""
    lines = [f"  {'ratio':<30}{'target':>8}{'median':>8}{'min':>7}{'max':>7}  {'verdict':<13}rounds"]
    for key, entry in summary.items():
        verdict = ""
        if "target" in entry:
            counted = len(entry["rounds"]) - entry["missing"]
            verdict = f"{'✓' if entry['met'] else '✗'} {entry['rounds_met']}/{counted} met"
        rounds = " ".join("-" if value is None else f"{value:.2f}" for value in entry["rounds"])
        lines.append(f"  {key:<30}{entry.get('target', ''):>8}{entry['median']:>8.2f}"
                     f"{entry['min']:>7.2f}{entry['max']:>7.2f}  {verdict:<13}{rounds}")
    return lines
