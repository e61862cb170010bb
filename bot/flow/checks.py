"""Checks on the guide as a whole: targets, reachability, dead ends, contacts and Telegram's limits.

Each check returns problems with the place in the YAML and one sentence on how to fix it. The same
checks run for `wegwijzer check`, at start-up and at every live reload.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from bot.flow import actions
from bot.flow.example_checks import example_problems
from bot.flow.model import ALWAYS, UNSET, Condition, Guide, Location
from bot.flow.problem import Problem
from bot.flow.readability import readability_problems
from bot.flow.render import AMSTERDAM, node_text
from bot.flow.slips import joined_items, joined_items_message

MAX_MESSAGE_CHARS = 4096  # Telegram counts UTF-16 code units after entity parsing
MAX_OPTIONS_SHOWN_WELL = 8
MAX_LABEL_CHARS = 48
VERIFY_EVERY = timedelta(days=365)
_PHONE_FORMS = (
    re.compile(r"^0[1-9]\d{8}$"),  # 070-3738314, 06-23077736
    re.compile(r"^0[89]0[09]\d{4,7}$"),  # 0800-7000, 0900-8844, 0800 2800 200
    re.compile(r"^1\d{2}$"),  # 112 and other short numbers
    re.compile(r"^14\d{3,4}$"),  # 14 + area code: municipalities
    re.compile(r"^\+[1-9]\d{7,14}$"),  # international
)
# A fixed moment for measuring message length: opening-hours texts differ only in a few characters.
_MEASURE_AT = datetime(2026, 1, 5, 3, 0, tzinfo=AMSTERDAM)


def _problem(where: Location, path: str, message: str, *, warning: bool = False) -> Problem:
    return Problem(where, "warning" if warning else "error", path, message)


def phone_is_valid(phone: str) -> bool:
    compact = re.sub(r"[\s\-().–—]", "", phone)
    return any(form.match(compact) for form in _PHONE_FORMS)


def check_guide(
    guide: Guide,
    *,
    today: date,
    entry_locations: Mapping[str, Location] | None = None,
    guide_location: Location | None = None,
    unreadable: Mapping[str, frozenset[str] | None] | None = None,
) -> list[Problem]:
    """Every problem of the guide as a whole; reading problems come from the loader.

    `unreadable` maps each file that could not be read (or is empty) to the names it seems to
    define (None when its content is unknown): what is missing only because of it says so.
    """
    entry_locations = entry_locations or {}
    where = guide_location or Location("<flows>", 1, 1)
    missing = Missing(guide, unreadable or {})
    problems: list[Problem] = []
    problems += _guide_targets(guide, where, missing)
    problems += _node_references(guide, missing)
    problems += _variable_checks(guide, missing)
    problems += _entry_and_keyword_targets(guide, entry_locations, missing)
    problems += _reachability(guide)
    problems += _dead_ends(guide)
    problems += _contact_checks(guide, today)
    problems += _message_limits(guide)
    problems += readability_problems(guide)
    problems += example_problems(guide)
    return problems


def _guide_targets(guide: Guide, where: Location, missing: Missing) -> Iterator[Problem]:
    for key in ("start", "emergency", "help"):
        target = getattr(guide, key)
        if target not in guide.nodes:
            yield missing.step(target, where, f"guide.{key}")


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
            return _problem(where, path, f"{kind} '{name}' bestaat niet: {joined_items_message(joined)}")
        for file, names in self.unreadable.items():
            if names is not None and name in names:
                return Problem(where, "error", path, f"{kind} '{name}' staat in {file}, dat nu niet te lezen is. "
                               "Herstel eerst de fout in dat bestand.", cause=file)
        close = nearest(name, known)
        if close:
            return _problem(where, path, f"{kind} '{name}' bestaat niet. Bedoelt u {' of '.join(map(repr, close))}?")
        unknown = [file for file, names in self.unreadable.items() if names is None]
        if unknown:
            return Problem(where, "error", path, f"{kind} '{name}' bestaat niet. Stond die in {unknown[0]}? "
                           "Dat bestand is nu leeg of niet te lezen.", cause=unknown[0])
        return _problem(where, path, f"{kind} '{name}' bestaat niet. {otherwise}")


def _condition_problems(guide: Guide, condition: Condition, where: Location, path: str) -> Iterator[Problem]:
    for key, pairs in (("when", condition.when), ("unless", condition.unless)):
        for name, values in pairs:
            variable = guide.variables.get(name)
            if variable is None:
                yield _problem(
                    where,
                    f"{path}.{key}.{name}",
                    f"onbekende variabele '{name}'; bekend zijn: {', '.join(guide.variables) or 'geen'}.",
                )
                continue
            unknown = sorted(values - {*variable.values, UNSET})
            if unknown:
                yield _problem(
                    where,
                    f"{path}.{key}.{name}",
                    f"onbekende waarde(n) {', '.join(unknown)} voor '{name}'; kies uit "
                    f"{', '.join(variable.values)} of {UNSET}.",
                )


def _node_references(guide: Guide, missing: Missing) -> Iterator[Problem]:
    for node in guide.nodes.values():
        base = f"nodes.{node.id}"
        for index, option in enumerate(node.options):
            path = f"{base}.options[{index}]"
            if option.goto is not None and option.goto not in guide.nodes:
                yield missing.step(option.goto, option.target_location, f"{path}.goto")
            for name, value in option.sets:
                variable = guide.variables.get(name)
                if variable is None:
                    yield _problem(option.location, f"{path}.set.{name}", f"onbekende variabele '{name}'.")
                elif value not in variable.values:
                    yield _problem(
                        option.location,
                        f"{path}.set.{name}",
                        f"'{value}' is geen waarde van '{name}'; kies uit {', '.join(variable.values)}.",
                    )
            yield from _condition_problems(guide, option.when, option.location, path)
            encoded = actions.option_action(node.id, index, option).encode()
            if len(encoded) > actions.MAX_ACTION_BYTES:
                yield _problem(
                    option.location,
                    path,
                    f"de knop-code is {len(encoded)} bytes; Telegram staat er "
                    f"{actions.MAX_ACTION_BYTES} toe. "
                    "Maak de naam van de stap korter.",
                )
            label = option.label.nl
            if len(label) > MAX_LABEL_CHARS:
                yield _problem(
                    option.location,
                    f"{path}.label",
                    f"het label is {len(label)} tekens; op een telefoon wordt alles boven "
                    f"ongeveer {MAX_LABEL_CHARS} afgekapt. Maak het korter.",
                    warning=True,
                )
        for index, paragraph in enumerate(node.paragraphs):
            yield from _condition_problems(guide, paragraph.when, paragraph.location, f"{base}.paragraphs[{index}]")
        for index, ref in enumerate(node.contacts):
            if ref.contact not in guide.contacts:
                yield missing.contact(ref.contact, ref.location, f"{base}.contacts[{index}]")
            yield from _condition_problems(guide, ref.when, ref.location, f"{base}.contacts[{index}]")
        for name in node.requires:
            variable = guide.variables.get(name)
            if variable is None:
                yield _problem(node.location, f"{base}.requires", f"onbekende variabele '{name}'.")
            elif variable.ask is None:
                yield _problem(
                    node.location,
                    f"{base}.requires",
                    f"de variabele '{name}' heeft geen ask: (de stap die ernaar vraagt).",
                )
        visible = [o for o in node.options if o.when == ALWAYS]
        if len(node.options) > MAX_OPTIONS_SHOWN_WELL and len(visible) > MAX_OPTIONS_SHOWN_WELL // 2:
            yield _problem(
                node.location,
                f"{base}.options",
                f"{len(node.options)} knoppen; meer dan {MAX_OPTIONS_SHOWN_WELL} is op een telefoon "
                "onoverzichtelijk. Verdeel ze over twee stappen.",
                warning=True,
            )


def _variable_checks(guide: Guide, missing: Missing) -> Iterator[Problem]:
    for variable in guide.variables.values():
        if variable.ask is not None and variable.ask not in guide.nodes:
            yield missing.step(variable.ask, variable.location, f"variables.{variable.name}.ask")
        if not variable.values:
            yield _problem(variable.location, f"variables.{variable.name}.values", "geef minstens één waarde.")


def _entry_and_keyword_targets(
    guide: Guide, entry_locations: Mapping[str, Location], missing: Missing
) -> Iterator[Problem]:
    for payload, target in guide.entry_points.items():
        if target not in guide.nodes:
            where = entry_locations.get(payload, Location("<flows>", 1, 1))
            yield missing.step(target, where, f"entry_points.{payload}")
    has_emergency = False
    for index, route in enumerate(guide.keywords):
        path = f"keywords[{index}]"
        if route.goto not in guide.nodes:
            yield missing.step(route.goto, route.location, f"{path}.goto")
        if route.emergency:
            has_emergency = True
            if route.goto != guide.emergency:
                yield _problem(
                    route.location,
                    f"{path}.goto",
                    f"een noodroute gaat altijd naar de noodstap '{guide.emergency}'; zet goto: {guide.emergency}.",
                    warning=True,
                )
    if guide.keywords and not has_emergency:
        first = guide.keywords[0].location
        yield _problem(
            first,
            "keywords",
            "er is geen route met emergency: true; woorden als '112' of 'nood' horen direct naar de noodstap te gaan.",
            warning=True,
        )


def _roots(guide: Guide) -> set[str]:
    roots = {guide.start, guide.emergency, guide.help}
    roots |= set(guide.entry_points.values())
    roots |= {route.goto for route in guide.keywords}
    roots |= {node.id for node in guide.nodes.values() if node.examples}  # typing an example leads there
    roots |= {variable.ask for variable in guide.variables.values() if variable.ask}
    return {root for root in roots if root in guide.nodes}


def reachable_nodes(guide: Guide) -> set[str]:
    seen = _roots(guide)
    queue = deque(seen)
    while queue:
        node = guide.nodes[queue.popleft()]
        for option in node.options:
            if option.goto is not None and option.goto in guide.nodes and option.goto not in seen:
                seen.add(option.goto)
                queue.append(option.goto)
    return seen


def _reachability(guide: Guide) -> Iterator[Problem]:
    reached = reachable_nodes(guide)
    for node in guide.nodes.values():
        if node.id not in reached:
            yield _problem(
                node.location,
                f"nodes.{node.id}",
                "deze stap is onbereikbaar: geen knop, link, trefwoord of voorbeeld leidt erheen. "
                "Voeg een knop toe die ernaar verwijst, of verwijder de stap.",
            )


def _dead_ends(guide: Guide) -> Iterator[Problem]:
    for node in guide.nodes.values():
        if not node.options and not node.end:
            yield _problem(
                node.location,
                f"nodes.{node.id}",
                "doodlopende stap: geen knoppen en niet gemarkeerd als einde. "
                "Voeg options: toe, of zet end: true als het pad hier klaar is.",
            )


def _contact_checks(guide: Guide, today: date) -> Iterator[Problem]:
    used = {ref.contact for node in guide.nodes.values() for ref in node.contacts}
    for contact in guide.contacts.values():
        path = f"contacts.{contact.id}"
        if contact.id not in used:
            yield _problem(
                contact.location,
                path,
                "dit contact wordt nergens getoond; verwijs ernaar vanuit een stap of verwijder het.",
                warning=True,
            )
        if contact.phone is not None and not phone_is_valid(contact.phone):
            yield _problem(
                contact.location,
                f"{path}.phone",
                f"'{contact.phone}' lijkt geen Nederlands of internationaal nummer "
                "(zoals 070-3738314, 0800-7000, 112 of +31 70 373 8314).",
            )
        if contact.url is not None and not _is_https(contact.url):
            yield _problem(contact.location, f"{path}.url", f"'{contact.url}' is geen https-adres; gebruik https://.")
        if contact.email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", contact.email, re.I):
            yield _problem(contact.location, f"{path}.email", f"'{contact.email}' lijkt geen e-mailadres.")
        if contact.source and urlparse(contact.source).scheme not in {"http", "https"}:
            yield _problem(
                contact.location,
                f"{path}.source",
                "de bron moet een webadres zijn (https://...) waar de gegevens te controleren zijn.",
            )
        if contact.verified > today:
            yield _problem(contact.location, f"{path}.verified", "de controledatum ligt in de toekomst.", warning=True)
        elif today - contact.verified > VERIFY_EVERY:
            yield _problem(
                contact.location,
                f"{path}.verified",
                f"laatst gecontroleerd op {contact.verified.isoformat()}, meer dan 12 maanden geleden. "
                "Controleer nummer, adres en tijden en werk de datum bij.",
                warning=True,
            )
        if contact.review_by is not None and contact.review_by < today:
            yield _problem(
                contact.location,
                f"{path}.review_by",
                f"de herzieningsdatum {contact.review_by.isoformat()} is verstreken. "
                "Controleer dit contact en zet een nieuwe datum.",
                warning=True,
            )
    yield from _closed_lines_need_a_24_7_line(guide)


def _is_https(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(parsed.netloc)


def _variants(guide: Guide) -> list[dict[str, str]]:
    """Every combination worth rendering: each value of each variable, and none set."""
    variants: list[dict[str, str]] = [{}]
    for variable in guide.variables.values():
        variants += [{variable.name: value} for value in variable.values]
    return variants


def _closed_lines_need_a_24_7_line(guide: Guide) -> Iterator[Problem]:
    variants = _variants(guide)
    for node in guide.nodes.values():
        if not node.contacts:
            continue
        for variables in variants:
            shown = [
                guide.contacts[ref.contact]
                for ref in node.contacts
                if ref.contact in guide.contacts and ref.when.holds(variables)
            ]
            # The engine puts open lines first at any moment, so the order in the YAML does not
            # matter here: what matters is that a 24/7 line is there to lead at night.
            has_24_7 = any(contact.always_open for contact in shown)
            stranded = [] if has_24_7 else [contact.id for contact in shown if not contact.always_open]
            if stranded:
                who = f" (voor {', '.join(f'{k}={v}' for k, v in variables.items())})" if variables else ""
                yield _problem(
                    node.location,
                    f"nodes.{node.id}.contacts",
                    f"{', '.join(stranded)} kan gesloten zijn, en deze stap toont geen lijn die dag en "
                    f"nacht bereikbaar is{who}. Voeg een 24/7-contact toe, zoals het Ondersteuningsteam.",
                )
                break


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _message_limits(guide: Guide) -> Iterator[Problem]:
    for node in guide.nodes.values():
        conditional = any(p.when != ALWAYS for p in node.paragraphs) or any(ref.when != ALWAYS for ref in node.contacts)
        variants = _variants(guide) if conditional else [{}]
        for language in ("nl", "en"):
            longest = max(
                _utf16_length(node_text(guide, node, variables, language, _MEASURE_AT)) for variables in variants
            )
            if longest > MAX_MESSAGE_CHARS:
                yield _problem(
                    node.location,
                    f"nodes.{node.id}.text.{language}",
                    f"het bericht wordt {longest} tekens lang (met contactkaarten); Telegram toont "
                    f"hooguit {MAX_MESSAGE_CHARS}. Maak de tekst korter of verdeel hem over twee stappen.",
                )
                break
