"""Routing tests: phrasings staff write in flows/tests/, each with the screen its first reply must show.

    routes:
      nood:                                   # the screen
        - iemand met een mes staat bij mijn voordeur
      integriteit_beschuldiging:
        - er loopt een onderzoek naar mij

Each phrasing is sent as the first message of a fresh conversation through the real engine. The
report gives the share that reached their screen, the crisis and acute phrasings apart (those must
all pass), every phrasing that was sent to the 112 screen without being about danger, and every miss
with its file:line. A phrasing that is also an example in the flows is refused: a test on what the
router was taught measures nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.authoring.scripts import DEFAULT_TIME
from bot.flow import actions
from bot.flow.engine import handle
from bot.flow.model import Guide, Location
from bot.flow.routing.words import words
from bot.flow.session import Text
from bot.flow.yamlsource import LocatedList, LocatedMap, read_yaml

MIN_ACCURACY = 0.95  # the bar of issue 10: at least 95 % of all phrasings reach their screen first


@dataclass(frozen=True, slots=True)
class RouteCase:
    text: str
    expected: str
    location: Location


@dataclass(frozen=True, slots=True)
class RouteResult:
    case: RouteCase
    reached: str | None  # the node the first reply showed (or asked a role for), None for "Bedoelt u?"
    offered: tuple[str, ...]  # the "Bedoelt u...?" screens, if that was the answer

    @property
    def passed(self) -> bool:
        return self.reached == self.case.expected

    def describe(self) -> str:
        where = f"{self.case.location.file}:{self.case.location.line}"
        if self.reached is not None:
            got = f"toonde '{self.reached}'"
        elif self.offered:
            got = "vroeg 'Bedoelt u…?' met " + ", ".join(f"'{node}'" for node in self.offered)
        else:
            got = "begreep het niet"
        return f"{where}: '{self.case.text}' moet naar '{self.case.expected}', maar de gids {got}."


@dataclass
class RouteReport:
    results: list[RouteResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    urgent: frozenset[str] = frozenset()  # crisis and acute screens
    emergency: str = ""

    @property
    def accuracy(self) -> float:
        return sum(r.passed for r in self.results) / len(self.results) if self.results else 1.0

    def of(self, screens: frozenset[str]) -> list[RouteResult]:
        return [r for r in self.results if r.case.expected in screens]

    @property
    def false_emergencies(self) -> list[RouteResult]:
        """Phrasings not about danger to life that the 112 screen answered."""
        return [r for r in self.results if r.reached == self.emergency and r.case.expected not in self.urgent]

    @property
    def ok(self) -> bool:
        urgent = self.of(self.urgent)
        return (
            not self.errors
            and self.accuracy >= MIN_ACCURACY
            and all(r.passed for r in urgent)
            and not self.false_emergencies
        )

    def lines(self) -> list[str]:
        total = len(self.results)
        passed = sum(r.passed for r in self.results)
        out = [f"Routering: {passed} van {total} zinnen op het goede scherm ({self.accuracy:.1%}; "
               f"de lat is {MIN_ACCURACY:.0%})."]
        files = sorted({r.case.location.file for r in self.results})
        if len(files) > 1:
            for name in files:
                group = [r for r in self.results if r.case.location.file == name]
                good = sum(r.passed for r in group)
                out.append(f"  {name}: {good} van {len(group)} ({good / len(group):.1%}).")
        for screen in sorted(self.urgent):
            group = self.of(frozenset({screen}))
            good = sum(r.passed for r in group)
            out.append(f"  {screen}: {good} van {len(group)} (moet allemaal).")
        wrong = self.false_emergencies
        out.append(f"  Naar 112 zonder gevaar: {len(wrong)} (moet 0 zijn).")
        misses = [r for r in self.results if not r.passed]
        if misses:
            out.append("Missers:")
            out += [f"  {r.describe()}" for r in misses]
        out += self.errors
        return out


def is_route_file(path: Path) -> bool:
    """True for a YAML file whose top level is `routes:` (not a conversation test)."""
    try:
        head = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.startswith("routes:") for line in head.splitlines())


def read_route_file(path: Path) -> tuple[list[RouteCase], list[str]]:
    source = read_yaml(path, str(path))
    errors = [str(problem) for problem in source.problems]
    root = source.data
    routes = root.get("routes") if isinstance(root, LocatedMap) else None
    if not isinstance(routes, LocatedMap):
        hint = f"{path}:1: een routeringstest begint met 'routes:', daaronder per scherm een lijst zinnen."
        return [], [*errors, hint]
    cases: list[RouteCase] = []
    for screen, phrasings in routes.items():
        where = routes.key_locations[screen]
        if not isinstance(phrasings, LocatedList):
            errors.append(f"{where.file}:{where.line}: onder '{screen}:' hoort een lijst zinnen ('- tekst').")
            continue
        for index, item in enumerate(phrasings):
            item_where = phrasings.item_locations[index]
            if not isinstance(item, str | int) or not str(item).strip():
                errors.append(f"{item_where.file}:{item_where.line}: een zin is een tekst, zoals een gebruiker typt.")
                continue
            cases.append(RouteCase(str(item).strip(), str(screen), item_where))
    return cases, errors


def taught_phrasings(guide: Guide) -> dict[tuple[str, ...], str]:
    """Every example in the flows, by its words, with its place: these may not be test phrasings."""
    return {
        words(example.text): f"{example.location.file}:{example.location.line}"
        for node in guide.nodes.values()
        for example in node.examples
    }


def run_route_files(guide: Guide, files: list[Path]) -> RouteReport:
    report = RouteReport(urgent=frozenset(guide.router.priority_of), emergency=guide.emergency)
    taught = taught_phrasings(guide)
    for path in files:
        cases, errors = read_route_file(path)
        report.errors += errors
        for case in cases:
            at = f"{case.location.file}:{case.location.line}"
            if case.expected not in guide.nodes:
                report.errors.append(f"{at}: het scherm '{case.expected}' bestaat niet in de gids.")
                continue
            if words(case.text) in taught:
                report.errors.append(
                    f"{at}: '{case.text}' staat ook als voorbeeld in {taught[words(case.text)]}. Een test op een "
                    "voorbeeld meet niets: verander de zin hier, of haal het voorbeeld weg."
                )
                continue
            report.results.append(route_one(guide, case))
    return report


def route_one(guide: Guide, case: RouteCase) -> RouteResult:
    """Send the phrasing as the first message of a new conversation; what did the reply show?"""
    outcome = handle(guide, None, Text(case.text), DEFAULT_TIME)
    reply = outcome.replies[0]
    if outcome.result == "did_you_mean":
        offered = tuple(
            button.action.removeprefix(actions.GO_PREFIX)
            for row in reply.buttons
            for button in row
            if button.action.startswith(actions.GO_PREFIX)
        )
        return RouteResult(case, None, offered)
    if outcome.result == "not_understood":
        return RouteResult(case, None, ())
    state = outcome.state
    # A screen that needs the role first asks it and shows the screen right after: that counts.
    reached = state.pending if state is not None and state.pending else reply.node
    return RouteResult(case, reached, ())
