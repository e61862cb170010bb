"""Checks on what the guide teaches the router: colliding phrasings and screens nobody can type to.

Warnings, not errors: the guide still works, but typed text may go to the wrong screen, or a
screen that people look for by typing can only be reached with buttons.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.flow.model import Guide, Location, Node
from bot.flow.problem import Problem
from bot.flow.routing.words import words


def _warning(where: Location, path: str, message: str) -> Problem:
    return Problem(where, "warning", path, message)


def example_problems(guide: Guide) -> list[Problem]:
    return [*_collisions(guide), *_untaught(guide)]


def _collisions(guide: Guide) -> Iterator[Problem]:
    """The same phrasing (after case, accents and punctuation) taught for two different screens."""
    first: dict[tuple[str, ...], tuple[str, Location]] = {}
    for route in guide.keywords:
        for word in route.words:
            if "*" not in word:
                first.setdefault(words(word), (route.goto, route.location))
    for node in guide.nodes.values():
        for index, example in enumerate(node.examples):
            key = words(example.text)
            if key not in first:
                first[key] = (node.id, example.location)
                continue
            other, where = first[key]
            if other != node.id:
                yield _warning(
                    example.location,
                    f"nodes.{node.id}.examples[{index}]",
                    f"'{example.text}' leert ook de stap '{other}' ({where.file}:{where.line}). Dezelfde zin voor "
                    "twee stappen: de gids kiest er dan maar één. Houd hem bij de stap die het best past.",
                )


def _should_be_typed_to(guide: Guide, node: Node) -> bool:
    """Entry points and the screens with help lines at the end of a path: people look for these."""
    if node.id in (guide.start, guide.emergency) or (node.requires and not node.contacts):
        return False
    return node.id in guide.entry_points.values() or (bool(node.contacts) and (node.end or not node.options))


def _untaught(guide: Guide) -> Iterator[Problem]:
    keyword_targets = {route.goto for route in guide.keywords}
    for node in guide.nodes.values():
        if node.examples or node.id in keyword_targets or not _should_be_typed_to(guide, node):
            continue
        yield _warning(
            node.location,
            f"nodes.{node.id}",
            "niemand komt hier door te typen: er zijn geen voorbeelden (examples:) en geen trefwoorden. "
            "Voeg een paar zinnen toe zoals gebruikers ze typen, in het Nederlands en het Engels.",
        )
