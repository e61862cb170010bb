"""Checks on the guide as a whole: targets, reachability, dead ends, contacts and Telegram's limits.

Each check returns problems with the place in the YAML and one sentence on how to fix it. The same
checks run for `wegwijzer check`, at start-up and at every live reload.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from datetime import date, datetime

from bot.flow import actions
from bot.flow.contact_checks import contact_problems, variable_variants
from bot.flow.example_checks import example_problems
from bot.flow.missing import Missing
from bot.flow.model import ALWAYS, UNSET, Condition, Guide, Location
from bot.flow.problem import Problem, problem
from bot.flow.readability import readability_problems
from bot.flow.render import AMSTERDAM, node_text

MAX_MESSAGE_CHARS = 4096  # Telegram counts UTF-16 code units after entity parsing
MAX_OPTIONS_SHOWN_WELL = 8
MAX_LABEL_CHARS = 48
# A fixed moment for measuring message length: opening-hours texts differ only in a few characters.
_MEASURE_AT = datetime(2026, 1, 5, 3, 0, tzinfo=AMSTERDAM)


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
    problems += contact_problems(guide, today)
    problems += _message_limits(guide)
    problems += readability_problems(guide)
    problems += example_problems(guide)
    return problems


def _guide_targets(guide: Guide, where: Location, missing: Missing) -> Iterator[Problem]:
    for key in ("start", "emergency", "help"):
        target = getattr(guide, key)
        if target not in guide.nodes:
            yield missing.step(target, where, f"guide.{key}")


def _condition_problems(guide: Guide, condition: Condition, where: Location, path: str) -> Iterator[Problem]:
    for key, pairs in (("when", condition.when), ("unless", condition.unless)):
        for name, values in pairs:
            variable = guide.variables.get(name)
            if variable is None:
                yield problem(
                    where,
                    f"{path}.{key}.{name}",
                    f"onbekende variabele '{name}'; bekend zijn: {', '.join(guide.variables) or 'geen'}.",
                )
                continue
            unknown = sorted(values - {*variable.values, UNSET})
            if unknown:
                yield problem(
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
                    yield problem(option.location, f"{path}.set.{name}", f"onbekende variabele '{name}'.")
                elif value not in variable.values:
                    yield problem(
                        option.location,
                        f"{path}.set.{name}",
                        f"'{value}' is geen waarde van '{name}'; kies uit {', '.join(variable.values)}.",
                    )
            yield from _condition_problems(guide, option.when, option.location, path)
            encoded = actions.option_action(node.id, index, option).encode()
            if len(encoded) > actions.MAX_ACTION_BYTES:
                yield problem(
                    option.location,
                    path,
                    f"de knop-code is {len(encoded)} bytes; Telegram staat er "
                    f"{actions.MAX_ACTION_BYTES} toe. "
                    "Maak de naam van de stap korter.",
                )
            label = option.label.nl
            if len(label) > MAX_LABEL_CHARS:
                yield problem(
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
                yield problem(node.location, f"{base}.requires", f"onbekende variabele '{name}'.")
            elif variable.ask is None:
                yield problem(
                    node.location,
                    f"{base}.requires",
                    f"de variabele '{name}' heeft geen ask: (de stap die ernaar vraagt).",
                )
        visible = [o for o in node.options if o.when == ALWAYS]
        if len(node.options) > MAX_OPTIONS_SHOWN_WELL and len(visible) > MAX_OPTIONS_SHOWN_WELL // 2:
            yield problem(
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
            yield problem(variable.location, f"variables.{variable.name}.values", "geef minstens één waarde.")


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
                yield problem(
                    route.location,
                    f"{path}.goto",
                    f"een noodroute gaat altijd naar de noodstap '{guide.emergency}'; zet goto: {guide.emergency}.",
                    warning=True,
                )
    if guide.keywords and not has_emergency:
        first = guide.keywords[0].location
        yield problem(
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
            yield problem(
                node.location,
                f"nodes.{node.id}",
                "deze stap is onbereikbaar: geen knop, link, trefwoord of voorbeeld leidt erheen. "
                "Voeg een knop toe die ernaar verwijst, of verwijder de stap.",
            )


def _dead_ends(guide: Guide) -> Iterator[Problem]:
    for node in guide.nodes.values():
        if not node.options and not node.end:
            yield problem(
                node.location,
                f"nodes.{node.id}",
                "doodlopende stap: geen knoppen en niet gemarkeerd als einde. "
                "Voeg options: toe, of zet end: true als het pad hier klaar is.",
            )


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _message_limits(guide: Guide) -> Iterator[Problem]:
    for node in guide.nodes.values():
        conditional = any(p.when != ALWAYS for p in node.paragraphs) or any(ref.when != ALWAYS for ref in node.contacts)
        variants = variable_variants(guide) if conditional else [{}]
        for language in ("nl", "en"):
            longest = max(
                _utf16_length(node_text(guide, node, variables, language, _MEASURE_AT)) for variables in variants
            )
            if longest > MAX_MESSAGE_CHARS:
                yield problem(
                    node.location,
                    f"nodes.{node.id}.text.{language}",
                    f"het bericht wordt {longest} tekens lang (met contactkaarten); Telegram toont "
                    f"hooguit {MAX_MESSAGE_CHARS}. Maak de tekst korter of verdeel hem over twee stappen.",
                )
                break
