"""Whole-guide checks: each problem kind is found, placed and explained."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.flow.loader import LoadResult, load_guide

from .conftest import BASIC

CONTACT = """contacts:
  extra:
    name: {{nl: Extra, en: Extra}}
    purpose: {{nl: Test, en: Test}}
{fields}
    source: https://example.org/bron
    verified: 2026-11-01
"""
NODE_WITH_EXTRA = """nodes:
  toon_extra:
    text: {{nl: Extra, en: Extra}}
    contacts: [{contacts}]
    end: true
entry_points:
  extra: toon_extra
"""


def problems(result: LoadResult, severity: str = "error") -> list[str]:
    return [str(p) for p in result.problems if p.severity == severity]


def with_contact(
    load: Callable[..., LoadResult], fields: str, contacts: str = "extra, ondersteuningsteam"
) -> LoadResult:
    return load(extra_contact=CONTACT.format(fields=fields), extra_node=NODE_WITH_EXTRA.format(contacts=contacts))


def test_phone_numbers_must_look_dutch_or_international(load: Callable[..., LoadResult]) -> None:
    """Dutch and +31 phone numbers pass; malformed ones are errors at contacts.<id>.phone."""
    for good in ("070-3738314", "0800 2800 200", "0900-8844", "112", "+31 70 373 8314", "06 - 2307 7736"):
        assert not problems(with_contact(load, f'    phone: "{good}"')), good
    for bad in ("12345", "070-37383", "bel ons", "0031703738314"):
        errors = problems(with_contact(load, f'    phone: "{bad}"'))
        assert any("contacts.extra.phone" in e for e in errors), bad


def test_urls_must_be_https(load: Callable[..., LoadResult]) -> None:
    """A contact's web address must be https."""
    errors = problems(with_contact(load, "    url: http://example.org"))
    assert any("contacts.extra.url" in e and "https" in e for e in errors)


def test_old_verification_and_passed_review_dates_are_warnings(load: Callable[..., LoadResult]) -> None:
    """A passed review date or a verification over 12 months old is a warning, not an error."""
    folder_result = with_contact(load, "    review_by: 2020-01-01")
    warnings = problems(folder_result, "warning")
    assert any("contacts.extra.review_by" in w for w in warnings)
    later = load_guide(BASIC, today=date(2028, 1, 1))
    assert sum("meer dan 12 maanden" in w for w in problems(later, "warning")) == 3


def test_a_line_that_can_be_closed_needs_a_24_7_line_on_the_same_step(load: Callable[..., LoadResult]) -> None:
    """The engine orders the cards, so either YAML order is fine, but a 24/7 line must be there."""
    hours = (
        '    phone: "070-3738119"\n'
        '    hours:\n      schedule:\n        - {days: [ma], open: "09:00", close: "17:00"}'
    )
    assert not problems(with_contact(load, hours, "extra, ondersteuningsteam"))
    assert not problems(with_contact(load, hours, "ondersteuningsteam, extra"))
    errors = problems(with_contact(load, hours, "extra"))
    assert any("nodes.toon_extra.contacts" in e and "24/7" in e for e in errors)


def test_unknown_and_unused_contacts(load: Callable[..., LoadResult]) -> None:
    """A node naming an unknown contact is an error; a contact no node shows is a warning."""
    result = load(extra_node=NODE_WITH_EXTRA.format(contacts="onbekend"), extra_contact=CONTACT.format(fields=""))
    assert any("het contact 'onbekend' bestaat niet" in e for e in problems(result))
    assert any("contacts.extra" in w and "nergens getoond" in w for w in problems(result, "warning"))


def test_dead_ends_are_errors(load: Callable[..., LoadResult]) -> None:
    """A node without buttons that is not marked as an end is an error."""
    result = load(extra="nodes:\n  doodlopend:\n    text: {nl: a, en: a}\nentry_points:\n  d: doodlopend\n")
    assert any("nodes.doodlopend" in e and "doodlopende stap" in e for e in problems(result))


def test_messages_over_4096_characters_are_errors(load: Callable[..., LoadResult]) -> None:
    """A text longer than Telegram's 4096 characters is an error at its path."""
    long_text = "a" * 4100
    result = load(
        extra=f"nodes:\n  lang:\n    text: {{nl: {long_text}, en: kort}}\n    end: true\nentry_points:\n  l: lang\n"
    )
    assert any("nodes.lang.text.nl" in e and "4096" in e for e in problems(result))


def test_button_codes_over_64_bytes_are_errors() -> None:
    """Ids are short by rule, so the limit is checked on the encoded token itself."""
    from dataclasses import replace

    from bot.flow.checks import check_guide

    guide = load_guide(BASIC).guide
    assert guide is not None
    menu = guide.nodes["menu"]
    long_id = "m" * 70
    renamed = replace(menu, id=long_id)
    start = guide.nodes["start"]
    start = replace(start, options=tuple(replace(o, goto=long_id) for o in start.options))
    nodes = {**{k: v for k, v in guide.nodes.items() if k != "menu"}, long_id: renamed, "start": start}
    found = check_guide(replace(guide, nodes=nodes), today=date(2026, 12, 1))
    assert any("bytes" in p.message and "64" in p.message for p in found)


def test_conditions_on_unknown_variables_or_values_are_errors(load: Callable[..., LoadResult]) -> None:
    """A condition on an undeclared variable or value is an error naming it."""
    text = (
        "nodes:\n  x:\n    text: {nl: a, en: a}\n    end: true\n    paragraphs:\n"
        "      - when: {functie: raadslid}\n        text: {nl: b, en: b}\n"
        "      - when: {rol: koning}\n        text: {nl: c, en: c}\nentry_points:\n  x: x\n"
    )
    errors = problems(load(extra=text))
    assert any("onbekende variabele 'functie'" in e for e in errors)
    assert any("onbekende waarde(n) koning" in e for e in errors)


def test_too_many_buttons_is_a_warning(load: Callable[..., LoadResult]) -> None:
    """A node with very many buttons gets a warning."""
    options = "".join(f"      - label: {{nl: Knop {i}, en: Button {i}}}\n        goto: hulp\n" for i in range(10))
    result = load(extra=f"nodes:\n  vol:\n    text: {{nl: a, en: a}}\n    options:\n{options}entry_points:\n  v: vol\n")
    assert any("nodes.vol.options" in w and "knoppen" in w for w in problems(result, "warning"))
