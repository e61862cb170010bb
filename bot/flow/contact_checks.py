"""Checks on the contacts: numbers, addresses, sources, dates, and a 24/7 line wherever lines may be closed.

Help-line facts are checked for form and age here; whether they are true is for the reviewer
against the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import urlparse

from bot.flow.model import Guide
from bot.flow.problem import Problem, problem

VERIFY_EVERY = timedelta(days=365)
_PHONE_FORMS = (
    re.compile(r"^0[1-9]\d{8}$"),  # 070-3738314, 06-23077736
    re.compile(r"^0[89]0[09]\d{4,7}$"),  # 0800-7000, 0900-8844, 0800 2800 200
    re.compile(r"^1\d{2}$"),  # 112 and other short numbers
    re.compile(r"^14\d{3,4}$"),  # 14 + area code: municipalities
    re.compile(r"^\+[1-9]\d{7,14}$"),  # international
)


def phone_is_valid(phone: str) -> bool:
    compact = re.sub(r"[\s\-().–—]", "", phone)
    return any(form.match(compact) for form in _PHONE_FORMS)


def contact_problems(guide: Guide, today: date) -> Iterator[Problem]:
    used = {ref.contact for node in guide.nodes.values() for ref in node.contacts}
    for contact in guide.contacts.values():
        path = f"contacts.{contact.id}"
        if contact.id not in used:
            yield problem(
                contact.location,
                path,
                "dit contact wordt nergens getoond; verwijs ernaar vanuit een stap of verwijder het.",
                warning=True,
            )
        if contact.phone is not None and not phone_is_valid(contact.phone):
            yield problem(
                contact.location,
                f"{path}.phone",
                f"'{contact.phone}' lijkt geen Nederlands of internationaal nummer "
                "(zoals 070-3738314, 0800-7000, 112 of +31 70 373 8314).",
            )
        if contact.url is not None and not _is_https(contact.url):
            yield problem(contact.location, f"{path}.url", f"'{contact.url}' is geen https-adres; gebruik https://.")
        if contact.email is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", contact.email, re.I):
            yield problem(contact.location, f"{path}.email", f"'{contact.email}' lijkt geen e-mailadres.")
        if contact.source and urlparse(contact.source).scheme not in {"http", "https"}:
            yield problem(
                contact.location,
                f"{path}.source",
                "de bron moet een webadres zijn (https://...) waar de gegevens te controleren zijn.",
            )
        if contact.verified > today:
            yield problem(contact.location, f"{path}.verified", "de controledatum ligt in de toekomst.", warning=True)
        elif today - contact.verified > VERIFY_EVERY:
            yield problem(
                contact.location,
                f"{path}.verified",
                f"laatst gecontroleerd op {contact.verified.isoformat()}, meer dan 12 maanden geleden. "
                "Controleer nummer, adres en tijden en werk de datum bij.",
                warning=True,
            )
        if contact.review_by is not None and contact.review_by < today:
            yield problem(
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


def variable_variants(guide: Guide) -> list[dict[str, str]]:
    """Every combination worth rendering: each value of each variable, and none set."""
    variants: list[dict[str, str]] = [{}]
    for variable in guide.variables.values():
        variants += [{variable.name: value} for value in variable.values]
    return variants


def _closed_lines_need_a_24_7_line(guide: Guide) -> Iterator[Problem]:
    variants = variable_variants(guide)
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
                yield problem(
                    node.location,
                    f"nodes.{node.id}.contacts",
                    f"{', '.join(stranded)} kan gesloten zijn, en deze stap toont geen lijn die dag en "
                    f"nacht bereikbaar is{who}. Voeg een 24/7-contact toe, zoals het Ondersteuningsteam.",
                )
                break
