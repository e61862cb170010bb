"""Time to load and check a generated guide of 2,000 nodes (target: under 1 s).

The shipped guide's `guide`, `variables` and `contacts` are kept; the nodes are generated: a
tree from the start node, each node with a text of a few hundred characters, two to four options,
a contact or two and conditions on the role, spread over 20 files as staff would.

    .venv/bin/python bench/loader_bench.py [--nodes 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from harness import RESULTS, ROOT

from bot.flow.loader import load_guide

FILES = 20


def _uses_libyaml() -> bool:
    from bot.flow import yamlsource

    return yamlsource._SafeLoader.__name__ == "CSafeLoader"


def generate(folder: Path, nodes: int, rng: random.Random) -> None:
    shipped: dict[str, dict[str, object]] = {}
    for path in sorted((ROOT / "flows").glob("*.yaml")):
        for section, content in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if isinstance(content, dict):
                shipped.setdefault(section, {}).update(content)
            else:
                shipped.setdefault(section, content)
    contacts = shipped["contacts"]
    variables = shipped.get("variables", {})
    roles = variables.get("rol", {}).get("values", ["burgemeester", "wethouder", "raadslid"])
    body: dict[str, object] = dict(shipped["nodes"])  # the shipped nodes stay as they are
    generated = nodes - len(body)
    ids = [f"n{i:04d}" for i in range(generated)]
    for index, node_id in enumerate(ids):
        children = [ids[c] for c in range(3 * index + 1, min(3 * index + 4, generated))]
        node: dict[str, object] = {
            "title": {"nl": f"Stap {index}", "en": f"Step {index}"},
            "text": {"nl": f"Uitleg bij stap {index}. " * 12, "en": f"About step {index}. " * 12},
            "paragraphs": [{"when": {"rol": rng.sample(roles, 2)},
                            "text": {"nl": "Voor u geldt iets extra's.", "en": "Something extra."}}],
            "contacts": ["ondersteuningsteam"] if "ondersteuningsteam" in contacts else [],
        }
        if children:
            node["options"] = [
                {"label": {"nl": f"Verder naar {child}", "en": f"On to {child}"}, "goto": child}
                for child in children
            ]
        else:
            node["end"] = True
        body[node_id] = node
    folder.mkdir(parents=True, exist_ok=True)
    top = {key: value for key, value in shipped.items() if key not in ("nodes",)}
    # The generated tree hangs off a deep link, so every node is reachable.
    top["entry_points"] = {**(shipped.get("entry_points") or {}), "bench": "n0000"}
    (folder / "guide.yaml").write_text(yaml.safe_dump(top, allow_unicode=True, sort_keys=False))
    items = list(body.items())
    per_file = len(items) // FILES + 1
    for number in range(FILES):
        chunk = dict(items[number * per_file:(number + 1) * per_file])
        if chunk:
            (folder / f"nodes{number:02d}.yaml").write_text(
                yaml.safe_dump({"nodes": chunk}, allow_unicode=True, sort_keys=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--libyaml", action="store_true",
                        help="experiment: parse with PyYAML's C loader (CSafeLoader)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.libyaml:
        # The loader already prefers the C parser when PyYAML has it; this flag only insists on it.
        from bot.flow import yamlsource

        yamlsource._SafeLoader = yaml.CSafeLoader
    args.out = args.out or RESULTS / ("loader-libyaml.json" if args.libyaml else "loader.json")
    with tempfile.TemporaryDirectory(prefix="wegwijzer-loader-") as tmp:
        folder = Path(tmp) / "flows"
        generate(folder, args.nodes, random.Random(3))
        size = sum(p.stat().st_size for p in folder.glob("*.yaml"))
        times = []
        result = None
        for _ in range(args.runs):
            started = time.perf_counter()
            result = load_guide(folder)
            times.append(time.perf_counter() - started)
        assert result is not None
        errors = [str(p) for p in result.errors]
        shipped = []
        for _ in range(args.runs):
            started = time.perf_counter()
            load_guide(ROOT / "flows")
            shipped.append(time.perf_counter() - started)
    report = {"nodes": len(result.guide.nodes) if result.guide else 0, "files": FILES + 1,
              "bytes": size, "ok": result.ok, "errors": errors[:5], "warnings": len(result.warnings),
              "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
              "shipped_median_s": round(statistics.median(shipped), 3), "target_s": 1.0,
              "parser": "libyaml (CSafeLoader)" if _uses_libyaml() else "PyYAML pure Python (SafeLoader)"}
    print(f"generated guide: {report['nodes']} nodes in {report['files']} files "
          f"({size // 1024} KiB), ok={report['ok']}, warnings={report['warnings']}")
    print(f"parser: {report['parser']}")
    print(f"load_guide + checks: median {report['median_s']} s, max {report['max_s']} s "
          f"(target < 1 s); shipped flows: {report['shipped_median_s']} s")
    for error in errors[:5]:
        print("  ", error)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
