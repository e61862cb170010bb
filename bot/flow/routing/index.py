"""The route index: every taught phrasing (examples and keywords) made ready to compare, once.

Built when the guide is loaded (so a live reload picks up new examples like any other change) and
never changed afterwards. Nothing a user types ever goes into it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from bot.flow.routing.words import STOP_WORDS, forms, words

PRIORITIES = ("crisis", "acute")  # checked before everything else, in this order when equally sure
# Weights run from 1 (a word taught for one screen only) down; a stop word counts this much.
STOP_WEIGHT = 0.06
PREFIX_CHARS = 6  # "telefonisch" and "telefoon" share "telefo": related words of one family
FUZZY_MIN_CHARS = 4  # known words this long or longer are recognised with a spelling slip


@dataclass(frozen=True, slots=True)
class Teaching:
    """One phrasing that teaches a screen: an example under a node, or a keyword."""

    target: str  # the node it leads to
    text: str  # as written in the YAML, for `wegwijzer routes` and `check`
    place: str  # "flows/dreiging.yaml:12"
    language: str | None = None  # "nl", "en", or None for both
    priority: str | None = None  # "crisis" or "acute": checked first, and only a whole match counts
    keyword: bool = False  # a keyword: a word ending in * matches every word that starts with it


@dataclass(frozen=True, slots=True)
class Term:
    key: str  # the stem (or "prefix*") that names it
    weight: float
    stop: bool


@dataclass(frozen=True, slots=True)
class Cue:
    """A teaching ready to compare: the terms of its words, in order (stop words included)."""

    teaching: Teaching
    terms: tuple[int, ...]  # term ids, one per distinct word
    weights: tuple[float, ...]  # what each term counts for in this cue
    total: float  # the sum of the weights

    @property
    def target(self) -> str:
        return self.teaching.target


@dataclass(frozen=True, slots=True)
class RouteIndex:
    terms: tuple[Term, ...]
    cues: tuple[Cue, ...]
    by_form: Mapping[str, tuple[int, ...]]  # a word form -> the terms it stands for
    prefixes: tuple[tuple[str, int], ...]  # keyword prefixes ("bedreig", term id)
    fuzzy_words: Mapping[str, tuple[str, ...]]  # first letter -> known forms, for spelling slips
    by_prefix: Mapping[str, tuple[str, ...]]  # first PREFIX_CHARS letters -> known forms ("telefo": telefoon)
    postings: Mapping[int, tuple[int, ...]]  # term id -> the cues that contain it
    priority_of: Mapping[str, str]  # target node -> its priority, for nodes that have one
    stemmed: frozenset[str]  # forms that came from examples: looking them up needs no stemming
    vocabulary: Mapping[str, frozenset[int]]  # target node -> every non-stop term it was taught
    children: Mapping[str, frozenset[str]]  # node -> the nodes its buttons lead to (a menu's leaves)

    @property
    def targets(self) -> frozenset[str]:
        return frozenset(cue.target for cue in self.cues)


EMPTY_INDEX = RouteIndex(
    terms=(),
    cues=(),
    by_form=MappingProxyType({}),
    prefixes=(),
    fuzzy_words=MappingProxyType({}),
    by_prefix=MappingProxyType({}),
    postings=MappingProxyType({}),
    priority_of=MappingProxyType({}),
    stemmed=frozenset(),
    vocabulary=MappingProxyType({}),
    children=MappingProxyType({}),
)


def _cue(teaching: Teaching, ids: tuple[int, ...], terms: tuple[Term, ...]) -> Cue:
    """A phrasing of stop words only ("wat is dit", "ik wil dood") counts, whole, as one rare word."""
    if all(terms[term].stop for term in ids):
        weights = tuple(1.0 / len(ids) for _ in ids)
    else:
        weights = tuple(terms[term].weight for term in ids)
    return Cue(teaching, ids, weights, sum(weights))


def _rarity(screens: int, of: int) -> float:
    """1.0 for a word taught for one screen, less the more screens share it (inverse document frequency)."""
    return math.log(1 + of / screens) / math.log(1 + of)


def teaching_words(teaching: Teaching) -> list[tuple[str, bool]]:
    """(word, is_prefix) pairs of a teaching; a keyword's trailing * makes a prefix."""
    if not teaching.keyword:
        return [(word, False) for word in words(teaching.text)]
    found: list[tuple[str, bool]] = []
    for chunk in teaching.text.split():
        parts = words(chunk.rstrip("*"))
        found += [(part, False) for part in parts[:-1]]
        if parts:
            found.append((parts[-1], chunk.endswith("*")))
    return found


def build_index(
    teachings: Iterable[Teaching], children: Mapping[str, frozenset[str]] | None = None
) -> RouteIndex:
    """Turn the taught phrasings into an index; the same teachings always give the same index.

    `children` maps a node to the nodes its buttons lead to, so a fitting leaf can beat its menu.
    """
    keys: dict[str, int] = {}
    key_forms: dict[int, set[str]] = defaultdict(set)
    stemmed: set[str] = set()
    seen: dict[tuple[str, str | None, bool, bool], int] = {}  # each word is read and stemmed once per build
    targets_of: dict[int, set[str]] = defaultdict(set)
    prefix_terms: dict[str, int] = {}
    raw_cues: list[tuple[Teaching, tuple[int, ...]]] = []
    priority_of: dict[str, str] = {}
    for teaching in teachings:
        if teaching.priority is not None:
            priority_of[teaching.target] = teaching.priority
        ids: list[int] = []
        for word, is_prefix in teaching_words(teaching):
            # A keyword means exactly its words (as it always did); an example stands for their stems too.
            exact = teaching.keyword or word in STOP_WORDS or word.isdigit()
            seen_as = (word, teaching.language, exact, is_prefix)
            term = seen.get(seen_as, -1)
            if term < 0:
                if is_prefix:
                    term = keys.setdefault(f"{word}*", len(keys))
                    prefix_terms[word] = term
                elif exact:
                    term = keys.setdefault(f"={word}", len(keys))
                    key_forms[term].add(word)
                else:
                    found = forms(word, teaching.language)
                    term = keys.setdefault(min(found, key=len), len(keys))
                    key_forms[term] |= found
                    stemmed.update(found)
                seen[seen_as] = term
            targets_of[term].add(teaching.target)
            if term not in ids:
                ids.append(term)
        if ids:
            raw_cues.append((teaching, tuple(ids)))
    target_count = len({teaching.target for teaching, _ in raw_cues}) or 1
    by_form: dict[str, list[int]] = defaultdict(list)
    for term, term_forms in key_forms.items():
        for form in term_forms:
            by_form[form].append(term)
    # A word is as rare as the screens taught it in any form: "bedreigd" as a keyword of one screen
    # is still a common word when examples of six screens say "bedreiging".
    screens: dict[int, set[str]] = {}
    for term, term_forms in key_forms.items():
        related = {other for form in term_forms for other in by_form[form]}
        screens[term] = targets_of[term] if len(related) == 1 else set().union(*(targets_of[o] for o in related))
    terms = tuple(
        Term(
            key=key,
            weight=STOP_WEIGHT
            if key.lstrip("=") in STOP_WORDS
            else _rarity(len(screens.get(term, targets_of[term])), target_count),
            stop=key.lstrip("=") in STOP_WORDS,
        )
        for key, term in sorted(keys.items(), key=lambda item: item[1])
    )
    fuzzy: dict[str, set[str]] = defaultdict(set)
    prefixed: dict[str, set[str]] = defaultdict(set)
    for form in by_form:
        if len(form) >= FUZZY_MIN_CHARS and not form.isdigit():
            fuzzy[form[0]].add(form)
        if len(form) >= PREFIX_CHARS and form in stemmed:
            prefixed[form[:PREFIX_CHARS]].add(form)
    cues = tuple(_cue(teaching, ids, terms) for teaching, ids in raw_cues)
    # A cue is found through its topic words; through its stop words only when it has nothing else.
    postings: dict[int, list[int]] = defaultdict(list)
    vocabulary: dict[str, set[int]] = defaultdict(set)
    for number, cue in enumerate(cues):
        topic = [term for term in cue.terms if not terms[term].stop]
        for term in topic or cue.terms:
            postings[term].append(number)
        vocabulary[cue.target].update(topic)
    return RouteIndex(
        terms=terms,
        cues=cues,
        by_form=MappingProxyType({form: tuple(ids) for form, ids in by_form.items()}),
        prefixes=tuple(sorted(prefix_terms.items())),
        fuzzy_words=MappingProxyType({letter: tuple(sorted(found)) for letter, found in fuzzy.items()}),
        by_prefix=MappingProxyType({start: tuple(sorted(found)) for start, found in prefixed.items()}),
        postings=MappingProxyType({term: tuple(numbers) for term, numbers in postings.items()}),
        priority_of=MappingProxyType(priority_of),
        stemmed=frozenset(stemmed),
        vocabulary=MappingProxyType({target: frozenset(found) for target, found in vocabulary.items()}),
        children=MappingProxyType(dict(children or {})),
    )
