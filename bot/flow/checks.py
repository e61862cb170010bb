"""Checks on the guide as a whole: targets, reachability, dead ends, contacts and Telegram's limits.

Each check returns problems with the place in the YAML and one sentence on how to fix it. The same
checks run for `wegwijzer check`, at start-up and at every live reload.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from bot.flow import actions
from bot.flow.model import ALWAYS, UNSET, Condition, Guide, Location
from bot.flow.readability import readability_problems
from bot.flow.render import AMSTERDAM, node_text
from bot.flow.yamlsource import Problem

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
    unreadable: list[str] | None = None,
) -> list[Problem]:
    """Every problem of the guide as a whole; reading problems come from the loader."""
    entry_locations = entry_locations or {}
    where = guide_location or Location("<flows>", 1, 1)
    missing_hint = f" (of de stap staat in {', '.join(unreadable)}, dat nu niet te lezen is)" if unreadable else ""
    problems: list[Problem] = []
    problems += _guide_targets(guide, where, missing_hint)
    problems += _node_references(guide, missing_hint)
    problems += _variable_checks(guide, missing_hint)
    problems += _entry_and_keyword_targets(guide, entry_locations, missing_hint)
    problems += _reachability(guide)
    problems += _dead_ends(guide)
    problems += _contact_checks(guide, today)
    problems += _message_limits(guide)
    problems += readability_problems(guide)
    return problems


def _guide_targets(guide: Guide, where: Location, hint: str) -> Iterator[Problem]:
    for key in ("start", "emergency", "help"):
        target = getattr(guide, key)
        if target not in guide.nodes:
            yield _problem(
                where, f"guide.{key}", f"de stap '{target}' bestaat niet{hint}. Geef de naam van een bestaande stap."
            )


def _unknown_node(guide: Guide, target: str, where: Location, path: str, hint: str) -> Problem:
    close = [node for node in guide.nodes if node.startswith(target[:4])][:3]
    suggestion = f" Bedoelt u {' of '.join(repr(c) for c in close)}?" if close else ""
    return _problem(where, path, f"de stap '{target}' bestaat niet{hint}.{suggestion}")


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


def _node_references(guide: Guide, hint: str) -> Iterator[Problem]:
    for node in guide.nodes.values():
        base = f"nodes.{node.id}"
        for index, option in enumerate(node.options):
            path = f"{base}.options[{index}]"
            if option.goto is not None and option.goto not in guide.nodes:
                yield _unknown_node(guide, option.goto, option.target_location, f"{path}.goto", hint)
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
                known = ", ".join(sorted(guide.contacts)[:8]) or "nog geen"
                yield _problem(
                    ref.location,
                    f"{base}.contacts[{index}]",
                    f"onbekend contact '{ref.contact}'{hint}; voeg het toe aan contacts: of kies uit: {known}.",
                )
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


def _variable_checks(guide: Guide, hint: str) -> Iterator[Problem]:
    for variable in guide.variables.values():
        if variable.ask is not None and variable.ask not in guide.nodes:
            yield _unknown_node(guide, variable.ask, variable.location, f"variables.{variable.name}.ask", hint)
        if not variable.values:
            yield _problem(variable.location, f"variables.{variable.name}.values", "geef minstens één waarde.")


def _entry_and_keyword_targets(guide: Guide, entry_locations: Mapping[str, Location], hint: str) -> Iterator[Problem]:
    for payload, target in guide.entry_points.items():
        if target not in guide.nodes:
            where = entry_locations.get(payload, Location("<flows>", 1, 1))
            yield _unknown_node(guide, target, where, f"entry_points.{payload}", hint)
    has_emergency = False
    for index, route in enumerate(guide.keywords):
        path = f"keywords[{index}]"
        if route.goto not in guide.nodes:
            yield _unknown_node(guide, route.goto, route.location, f"{path}.goto", hint)
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
                "deze stap is onbereikbaar: geen knop, link of trefwoord leidt erheen. "
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
