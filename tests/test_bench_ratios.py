"""The arithmetic behind bench/e2e.py's verdicts: ratios within a round, medians over rounds."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

RATIOS_FILE = Path(__file__).resolve().parents[1] / "bench" / "ratios.py"


@pytest.fixture(scope="module")
def bench_ratios() -> ModuleType:
    """bench/ratios.py, loaded from its file (bench/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("bench_ratios", RATIOS_FILE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there while being made
    spec.loader.exec_module(module)
    return module


def phase(cpu: float, per_second: float, p95: float = 1.0) -> dict[str, float]:
    return {"bot_cpu_ms_per_update": cpu, "updates_per_s": per_second, "p95_ms": p95}


def test_a_ratio_is_ours_over_the_floors_for_the_phases_both_ran(bench_ratios: ModuleType) -> None:
    """CPU and p95 ratios are Wegwijzer's figure over the floor's; a phase only one bot ran gives none."""
    reports = {"floor": {"one_user": phase(4.0, 200.0, p95=5.0), "burst": phase(2.0, 400.0)},
               "wegwijzer-uncapped": {"one_user": phase(5.0, 160.0, p95=6.0)}}

    found = bench_ratios.ratios(reports, "wegwijzer-uncapped", "floor")

    assert found == {"cpu_per_update_one_user": 1.25, "throughput_one_user": 0.8, "p95_one_user": 1.2}


def test_a_floor_figure_of_zero_gives_no_ratio_instead_of_a_crash(bench_ratios: ModuleType) -> None:
    """A phase too short for one clock tick of the floor's CPU leaves that ratio out."""
    reports = {"floor": {"start_burst": phase(0.0, 300.0)}, "wegwijzer": {"start_burst": phase(1.0, 270.0)}}

    assert bench_ratios.ratios(reports, "wegwijzer", "floor") == {"throughput_start_burst": 0.9}


def test_the_verdict_is_taken_on_the_median_in_the_targets_direction(bench_ratios: ModuleType) -> None:
    """CPU must be at most its bound and throughput at least its bound, judged on the median round."""
    rounds = [{"cpu_per_update_one_user": 1.10, "throughput_start_burst": 0.80},
              {"cpu_per_update_one_user": 1.50, "throughput_start_burst": 0.84},
              {"cpu_per_update_one_user": 1.15, "throughput_start_burst": 0.95}]

    summary = bench_ratios.summarize(rounds)

    cpu, throughput = summary["cpu_per_update_one_user"], summary["throughput_start_burst"]
    assert (cpu["median"], cpu["min"], cpu["max"], cpu["met"], cpu["rounds_met"]) == (1.15, 1.10, 1.50, True, 2)
    assert (throughput["median"], throughput["met"], throughput["rounds_met"]) == (0.84, False, 1)


def test_a_round_without_a_ratio_is_counted_missing_not_averaged_in(bench_ratios: ModuleType) -> None:
    """A round where the bot gave no figure is left out of the median and reported as missing."""
    rounds = [{"p95_one_user": 1.0}, {}, {"p95_one_user": 1.4}]

    entry = bench_ratios.summarize(rounds)["p95_one_user"]

    assert (entry["median"], entry["missing"], entry["rounds"]) == (1.2, 1, [1.0, None, 1.4])
