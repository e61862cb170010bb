"""How fast typed text is routed: a synthetic guide of 200 nodes with 20 examples each.

Targets (issue 10): routing one message under 1 ms; building the index (at start-up and at every
reload) under 100 ms. The examples are made from the shipped guide's own words plus invented
ones, so stemming, spelling slips and compounds are all exercised; the messages mix examples with
slips, long sentences, English and words the guide was never taught.

    .venv/bin/python bench/routing_bench.py [--nodes 200] [--examples 20] [--messages 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.flow.loader import load_guide  # noqa: E402 - after the path is set
from bot.flow.routing.index import Teaching, build_index  # noqa: E402
from bot.flow.routing.router import route  # noqa: E402
from bot.flow.routing.words import words  # noqa: E402

SYLLABLES = [
    "be",
    "ver",
    "ont",
    "ge",
    "dreig",
    "stalk",
    "huis",
    "wo",
    "ning",
    "mel",
    "ding",
    "aan",
    "gif",
    "te",
    "kla",
    "cht",
    "pers",
    "raad",
    "lid",
    "weth",
    "ou",
    "der",
    "vei",
    "lig",
]


def shipped_words() -> list[str]:
    result = load_guide(ROOT / "flows")
    assert result.guide is not None
    found = {w for node in result.guide.nodes.values() for ex in node.examples for w in words(ex.text)}
    return sorted(found)


def invented(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def synthetic(rng: random.Random, nodes: int, examples: int, vocabulary: list[str]) -> list[Teaching]:
    teachings = []
    for node in range(nodes):
        topic = [invented(rng) for _ in range(3)]  # words only this node uses, like "kerstpakket"
        for number in range(examples):
            size = rng.randint(1, 7)
            chosen = [rng.choice(topic)] + [rng.choice(vocabulary) for _ in range(size - 1)]
            rng.shuffle(chosen)
            language = "en" if number % 4 == 3 else "nl"
            priority = "acute" if node == 0 else "crisis" if node == 1 else None
            teachings.append(Teaching(f"node_{node}", " ".join(chosen), f"bench:{node}", language, priority))
    return teachings


def slip(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def messages(rng: random.Random, teachings: list[Teaching], count: int) -> list[str]:
    made = []
    for number in range(count):
        base = rng.choice(teachings).text.split()
        kind = number % 4
        if kind == 1:
            base = [slip(rng, word) for word in base]
        elif kind == 2:
            base = base + rng.choice(teachings).text.split() + ["en", "ik", "weet", "niet", "wat", "ik", "moet", "doen"]
        elif kind == 3:
            base = [invented(rng) for _ in range(rng.randint(2, 12))]
        made.append(" ".join(base))
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(10)
    teachings = synthetic(rng, args.nodes, args.examples, shipped_words())
    builds = []
    for _ in range(args.runs):
        start = time.perf_counter()
        index = build_index(teachings)
        builds.append((time.perf_counter() - start) * 1000)
    texts = messages(rng, teachings, args.messages)
    for text in texts[:50]:
        route(index, text)  # warm up
    per_message = []
    for text in texts:
        start = time.perf_counter()
        route(index, text)
        per_message.append((time.perf_counter() - start) * 1000)
    per_message.sort()
    print(
        f"guide: {args.nodes} nodes x {args.examples} examples = {len(teachings)} phrasings, "
        f"{len(index.terms)} terms, {len(index.by_form)} word forms"
    )
    print(
        f"index build: median {statistics.median(builds):.1f} ms, max {max(builds):.1f} ms "
        f"over {args.runs} runs (target < 100 ms)"
    )
    print(
        f"routing {len(texts)} messages: median {statistics.median(per_message):.3f} ms, "
        f"p95 {per_message[int(0.95 * len(per_message))]:.3f} ms, max {per_message[-1]:.3f} ms "
        f"(target < 1 ms per message)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
