"""Route typed text to the screen that fits it best: danger to life first, the most specific next.

How a message is read:
1. Its words are matched to the words the guide was taught: by form (the word or its Dutch or
   English stem), by a keyword's prefix, by spelling (`rapidfuzz`: "bedriegd" is "bedreigd"), or
   as part of a compound ("integriteitsonderzoek" holds "onderzoek").
2. A *crisis* or *acute* phrasing counts only as a whole: every word of it in the message, close
   together (a few other words in between are fine). Such a match wins outright.
3. Every other phrasing scores by how much of it the message holds, weighted by how rare each word
   is among the screens (matched weight x share matched). So "mijn woning beveiligen" beats the
   single word "beveiligen", and the home-security screen beats the prevention menu above it.
4. A clear winner is shown; otherwise up to three close screens are offered ("Bedoelt u...?").

The text is only read here, in memory; nothing of it is kept or returned except node ids, scores
and the taught phrasing that matched.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.flow.routing.index import FUZZY_MIN_CHARS, PREFIX_CHARS, PRIORITIES, Cue, RouteIndex
from bot.flow.routing.words import STOP_WORDS, forms, words

WHOLE = 0.75  # each word of a crisis or acute phrasing must match at least this well
SLIP_STRENGTH = 0.8  # a word with one typing slip ("bedriegd"): still enough for a whole phrasing
LONG_WORD = 8  # from this length two slips are tolerated
COMPOUND_STRENGTH = 0.7  # part of a compound: below WHOLE, so "wapenvergunning" is no weapon
FAMILY_STRENGTH = 0.7  # a word of the same family ("telefonisch" for "telefoon"), also below WHOLE
# Separable verbs: "ik scherm mijn adres af" means "afschermen".
_PARTICLES_TEXT = "af op aan in uit mee door over toe terug weg langs na voor"
PARTICLES = frozenset(_PARTICLES_TEXT.split())
GO_COVERAGE = 0.5  # share of a phrasing the message must hold to go straight to its screen...
CLEAR_LEAD = 1.15  # ...unless its screen scores this much more than the next one, and at least:
LEAD_SCORE = 0.6
MIN_SCORE = 0.25
GO_SCORE = 0.45  # in units of one fully matched word that only one screen was taught
SUGGEST_SCORE = 0.12
SPECIFIC_SHARE = 0.75  # a leaf scoring this share of its menu's score, with a word of its own, wins
OFFER_CRISIS = 0.6  # share of a crisis phrasing that makes it the first "Bedoelt u...?" button
OFFER_CRISIS_STOP_ONLY = 0.8
BAG_WEIGHT = 0.5  # the words a screen knows from all its phrasings together, next to its best phrasing
MAX_SUGGESTIONS = 3
EXTRA_WORDS_IN_PHRASE = 4  # words allowed between the words of a crisis or acute phrasing


@dataclass(frozen=True, slots=True)
class Candidate:
    target: str
    score: float
    coverage: float  # share of the phrasing's weight found in the message
    cue: Cue  # the taught phrasing that fits best
    whole: bool  # a crisis or acute phrasing found whole

    @property
    def priority(self) -> str | None:
        return self.cue.teaching.priority


@dataclass(frozen=True, slots=True)
class Routing:
    """Where a message goes: `go` to `target`, `suggest` the candidates, or `none` fits."""

    decision: str
    target: str | None
    candidates: tuple[Candidate, ...]  # best first, one per screen

    @property
    def suggestions(self) -> tuple[Candidate, ...]:
        return self.candidates[:MAX_SUGGESTIONS] if self.decision == "suggest" else ()


def _slips_allowed(word: str) -> int:
    """Typing slips (a letter wrong, missing, extra, or two swapped) tolerated in a word this long."""
    return 1 if len(word) < LONG_WORD else 2


def _plausible_slip(word: str, known: str) -> bool:
    """Short words: only a lost or extra letter, or two swapped; "nare" is not "name", "mez" not "met"."""
    if len(word) < FUZZY_MIN_CHARS:
        return len(known) == len(word) + 1
    if len(word) < PREFIX_CHARS and len(known) == len(word):
        return sorted(known) == sorted(word)
    return True


def _slip_strength(slips: int) -> float:
    """One slip may still complete a crisis or acute phrasing; two may not ("gespoten" is no shot)."""
    return SLIP_STRENGTH if slips <= 1 else COMPOUND_STRENGTH


def _match_word(index: RouteIndex, word: str) -> dict[int, float]:
    """The terms one typed word stands for, with how well it matches each (1.0 = exactly)."""
    found = index.by_form.get(word, ())
    if word in STOP_WORDS or word in index.stemmed:
        return dict.fromkeys(found, 1.0)
    matched = dict.fromkeys(found, 1.0)
    for form in forms(word):
        for term in index.by_form.get(form, ()):
            matched[term] = 1.0
    for prefix, term in index.prefixes:
        if word.startswith(prefix):
            matched[term] = 1.0
    if matched or len(word) < FUZZY_MIN_CHARS - 1 or word.isdigit():
        return matched
    allowed = _slips_allowed(word)
    for choice, slips, _ in process.extract(
        word, index.fuzzy_words.get(word[0], ()), scorer=OSA.distance, score_cutoff=allowed, limit=3
    ):
        if not _plausible_slip(word, choice):
            continue
        for term in index.by_form[choice]:
            if index.terms[term].stop and len(word) >= FUZZY_MIN_CHARS:
                continue  # "work" is no slip of "word": only "nie" may stand for "niet"
            matched[term] = max(matched.get(term, 0.0), _slip_strength(int(slips)))
    if not matched and len(word) >= PREFIX_CHARS:
        matched = _family(index, word)
    if not matched and len(word) >= 2 * FUZZY_MIN_CHARS:
        matched = _compound_parts(index, word)
    return matched


def _separable(index: RouteIndex, word: str, after: tuple[str, ...]) -> dict[int, float]:
    """A verb whose particle comes later in the sentence: "scherm ... af" is "afscherm"."""
    for particle in after:
        if particle in PARTICLES:
            joined = {term for form in forms(particle + word) for term in index.by_form.get(form, ())}
            if joined:
                return dict.fromkeys(joined, 1.0)
    return {}


def _family(index: RouteIndex, word: str) -> dict[int, float]:
    """Known words that start the same way for most of their length ("telefonisch", "telefoon")."""
    matched: dict[int, float] = {}
    for form in index.by_prefix.get(word[:PREFIX_CHARS], ()):
        shared = len(_common_start(word, form))
        if shared >= 0.7 * min(len(word), len(form)):
            for term in index.by_form[form]:
                matched[term] = FAMILY_STRENGTH
    return matched


def _common_start(first: str, second: str) -> str:
    size = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        size += 1
    return first[:size]


def _compound_parts(index: RouteIndex, word: str) -> dict[int, float]:
    """Known words at the start or end of a compound ("zelfmoord|gedachten", "integriteits|onderzoek")."""
    matched: dict[int, float] = {}
    for split in range(FUZZY_MIN_CHARS, len(word) - FUZZY_MIN_CHARS + 1):
        head, tail = word[:split], word[split:]
        for part in (head, head[:-1] if head.endswith("s") else "", tail):
            for term in index.by_form.get(part, ()):
                if not index.terms[term].stop:
                    matched[term] = COMPOUND_STRENGTH
    return matched


def _span(cue: Cue, positions: dict[int, list[int]]) -> int | None:
    """The fewest message words that hold the cue's words in their order, or None.

    One pair of neighbouring words may be swapped, as Dutch does after a time word ("soms wil ik
    dood" for "ik wil dood"); any other order does not count ("hij wil me dood, ik ben bang").
    """
    order = list(cue.terms)
    if any(term not in positions for term in order):
        return None
    orders = [order] + [
        [*order[:i], order[i + 1], order[i], *order[i + 2 :]] for i in range(len(order) - 1)
    ]
    best: int | None = None
    for wanted in orders:
        for start in positions[wanted[0]]:
            place = start
            for term in wanted[1:]:
                later = [p for p in positions[term] if p > place]
                if not later:
                    break
                place = later[0]
            else:
                width = place - start + 1
                best = width if best is None else min(best, width)
    return best


def explain(index: RouteIndex, text: str) -> list[tuple[str, list[tuple[str, float]]]]:
    """Each word of `text` with the taught terms it matched and how well, for `wegwijzer routes`."""
    typed = words(text)
    found = []
    for place, word in enumerate(typed):
        matches = _match_word(index, word)
        if not matches and word not in STOP_WORDS and len(word) >= 3:
            matches = _separable(index, word, typed[place + 1 : place + 8])
        found.append((word, sorted(((index.terms[t].key, how) for t, how in matches.items()), key=lambda m: -m[1])))
    return found


def route(index: RouteIndex, text: str) -> Routing:
    """Where `text` should go. Pure: the same index and text always give the same routing."""
    strength: dict[int, float] = {}
    positions: dict[int, list[int]] = {}
    per_word: list[dict[int, float]] = []
    typed = words(text)
    for place, word in enumerate(typed):
        per_word.append(_match_word(index, word))
        if not per_word[-1] and word not in STOP_WORDS and len(word) >= 3:
            per_word[-1] = _separable(index, word, typed[place + 1 : place + 8])
        for term, how_well in per_word[-1].items():
            strength[term] = max(strength.get(term, 0.0), how_well)
            if how_well >= WHOLE:
                positions.setdefault(term, []).append(place)
    terms = index.terms
    topic_words = [
        [(term, terms[term].weight * how_well) for term, how_well in matches.items() if not terms[term].stop]
        for matches in per_word
    ]
    topic_words = [matches for matches in topic_words if matches]
    touched = {number for term in strength for number in index.postings.get(term, ())}
    # The best phrasing per screen: (whole, score, coverage, cue number); candidates are made once.
    best: dict[str, tuple[bool, float, float, int]] = {}
    bags: dict[str, float] = {}
    cues = index.cues
    for number in sorted(touched):
        cue = cues[number]
        matched = 0.0
        for term, weight in zip(cue.terms, cue.weights, strict=True):
            found_as = strength.get(term)
            if found_as:
                matched += weight * found_as
        coverage = matched / cue.total if cue.total else 0.0
        whole = False
        if cue.teaching.priority is not None:
            span = _span(cue, positions)
            whole = span is not None and span <= len(cue.terms) + EXTRA_WORDS_IN_PHRASE
        target = cue.teaching.target
        bag = bags.get(target)
        if bag is None:
            bag = bags[target] = _bag(index.vocabulary.get(target, frozenset()), topic_words)
        found = (whole, matched * coverage + BAG_WEIGHT * bag, coverage, number)
        current = best.get(target)
        if current is None or found[:3] > current[:3]:
            best[target] = found
    candidates = [Candidate(target, score, coverage, cues[number], whole)
                  for target, (whole, score, coverage, number) in best.items()]
    ranked = tuple(sorted(candidates, key=_rank, reverse=True))
    return _decide(index, _specific_first(index, ranked, topic_words))


def _bag(known: frozenset[int], topic_words: list[list[tuple[int, float]]]) -> float:
    """How much of the message this screen knows at all, over all its phrasings together.

    Each word of the message counts once, with the best term of this screen it matches.
    """
    total = 0.0
    for matches in topic_words:
        best = 0.0
        for term, value in matches:
            if value > best and term in known:
                best = value
        total += best
    return total


def _rank(candidate: Candidate) -> tuple[bool, float, float]:
    return (candidate.whole, candidate.score, candidate.coverage)


def _covered(index: RouteIndex, target: str, topic_words: list[list[tuple[int, float]]]) -> set[int]:
    known = index.vocabulary.get(target, frozenset())
    return {place for place, matches in enumerate(topic_words) if any(term in known for term, _ in matches)}


def _specific_first(
    index: RouteIndex, ranked: tuple[Candidate, ...], topic_words: list[list[tuple[int, float]]]
) -> tuple[Candidate, ...]:
    """A leaf beats the menu above it when it scores nearly as well and knows a word the menu does not.

    "dreigementen tegen mijn gezin": the threat menu knows "dreigementen", the screen about threats
    to the family under it knows "gezin" too, so the family screen is the answer.
    """
    if len(ranked) < 2 or ranked[0].whole:
        return ranked
    top = ranked[0]
    menu_words = _covered(index, top.target, topic_words)
    for candidate in ranked[1:]:
        if candidate.score < SPECIFIC_SHARE * top.score:
            break
        if candidate.target in index.children.get(top.target, frozenset()) and (
            _covered(index, candidate.target, topic_words) - menu_words
        ):
            return (candidate, *(c for c in ranked if c is not candidate))
    return ranked


def _offer_share(index: RouteIndex, cue: Cue) -> float:
    """A crisis phrasing of stop words only ("wil er niet meer zijn") must be nearly all there to be offered."""
    return OFFER_CRISIS_STOP_ONLY if all(index.terms[t].stop for t in cue.terms) else OFFER_CRISIS


def _decide(index: RouteIndex, ranked: tuple[Candidate, ...]) -> Routing:
    urgent = [candidate for candidate in ranked if candidate.whole]
    if urgent:
        order = {name: rank for rank, name in enumerate(PRIORITIES)}
        chosen = min(urgent, key=lambda c: (-round(c.score, 6), order.get(c.priority or "", len(order))))
        return Routing("go", chosen.target, ranked)
    # A crisis or acute screen is never reached by a partial match; it can only be offered.
    ordinary = [c for c in ranked if c.target not in index.priority_of]
    if ordinary:
        top = ordinary[0]
        runner_up = ordinary[1].score if len(ordinary) > 1 else 0.0
        leads = top.score >= CLEAR_LEAD * runner_up
        if (
            (top.score >= GO_SCORE and (top.coverage >= GO_COVERAGE or (leads and top.score >= LEAD_SCORE)))
            # A short message of common words ("ik ben bedriegd") that one phrasing explains, clearly best.
            or (leads and top.coverage >= GO_COVERAGE and top.score >= MIN_SCORE)
        ):
            return Routing("go", top.target, ranked)
    # A crisis phrasing that is mostly there is offered first; 112 is on every such answer anyway.
    offered = tuple(
        c
        for c in ranked
        if (c.score >= SUGGEST_SCORE and c.target not in index.priority_of)
        or (index.priority_of.get(c.target) == "crisis" and c.coverage >= _offer_share(index, c.cue))
    )
    offered = tuple(sorted(offered, key=lambda c: c.target not in index.priority_of))
    if offered:
        return Routing("suggest", None, offered)
    return Routing("none", None, ranked)
