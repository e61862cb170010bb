"""How to say that a step or contact does not exist, so the editor can fix it in one go.

The nearest existing names (a typo, a missing letter), two list lines read as one, or the
unreadable (or empty) file the name probably stands in.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from bot.flow.model import Guide, Location
from bot.flow.problem import Problem, problem
from bot.flow.slips import joined_items, joined_items_message


def nearest(name: str, known: Iterable[str], count: int = 3) -> list[str]:
    """The existing names most like `name` (a typo, a missing letter), most alike first."""
    names = list(known)
    close = difflib.get_close_matches(name, names, n=count, cutoff=0.6)
    if close:
        return close
    prefixed = [other for other in names if other.startswith(name[:4])]
    return sorted(prefixed, key=lambda other: -difflib.SequenceMatcher(None, name, other).ratio())[:count]


class Missing:
    """How to say that a step or contact does not exist: the nearest names, two list lines read as
    one, or the unreadable (or empty) file it probably stands in."""

    def __init__(self, guide: Guide, unreadable: Mapping[str, frozenset[str] | None]) -> None:
        self.guide = guide
        self.unreadable = unreadable

    def step(self, target: str, where: Location, path: str) -> Problem:
        return self._say("de stap", target, self.guide.nodes, where, path,
                         "Geef de naam van een bestaande stap.")

    def contact(self, name: str, where: Location, path: str) -> Problem:
        return self._say("het contact", name, self.guide.contacts, where, path,
                         "Voeg het toe aan contacts: (in contacts.yaml) of gebruik een bestaand contact.")

    def _say(self, kind: str, name: str, known: Mapping[str, object], where: Location, path: str,
             otherwise: str) -> Problem:
        joined = joined_items(name, known)
        if joined is not None:
            return problem(where, path, f"{kind} '{name}' bestaat niet: {joined_items_message(joined)}")
        for file, names in self.unreadable.items():
            if names is not None and name in names:
                return Problem(where, "error", path, f"{kind} '{name}' staat in {file}, dat nu niet te lezen is. "
                               "Herstel eerst de fout in dat bestand.", cause=file)
        close = nearest(name, known)
        if close:
            return problem(where, path, f"{kind} '{name}' bestaat niet. Bedoelt u {' of '.join(map(repr, close))}?")
        unknown = [file for file, names in self.unreadable.items() if names is None]
        if unknown:
            return Problem(where, "error", path, f"{kind} '{name}' bestaat niet. Stond die in {unknown[0]}? "
                           "Dat bestand is nu leeg of niet te lezen.", cause=unknown[0])
        return problem(where, path, f"{kind} '{name}' bestaat niet. {otherwise}")
