"""What the guide teaches the router: each node's examples and each keyword route, with their places."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.flow.model import KeywordRoute, Node
from bot.flow.routing.index import RouteIndex, Teaching, build_index

MENU_OPTIONS = 5


def teachings(nodes: Mapping[str, Node], keywords: Iterable[KeywordRoute], emergency: str) -> list[Teaching]:
    """Examples first (in node order), then keywords; an emergency keyword teaches the acute route."""
    found = [
        Teaching(
            target=node.id,
            text=example.text,
            place=f"{example.location.file}:{example.location.line}",
            language=example.language,
            priority=node.priority,
        )
        for node in nodes.values()
        for example in node.examples
    ]
    for route in keywords:
        node = nodes.get(route.goto)
        priority = "acute" if route.emergency else (node.priority if node is not None else None)
        if route.emergency and route.goto != emergency and node is not None and node.priority:
            priority = node.priority
        found += [
            Teaching(
                target=route.goto,
                text=word,
                place=f"{route.location.file}:{route.location.line}",
                priority=priority,
                keyword=True,
            )
            for word in route.words
        ]
    return found


def guide_index(nodes: Mapping[str, Node], keywords: Iterable[KeywordRoute], emergency: str) -> RouteIndex:
    # Menus: screens that mostly offer a choice (no help lines of their own, or many buttons). A
    # screen's "see also" buttons do not make it a menu: its own answer is the point there.
    children = {
        node.id: frozenset(option.goto for option in node.options if option.goto and option.goto != node.id)
        for node in nodes.values()
        if not node.contacts or len(node.options) >= MENU_OPTIONS
    }
    return build_index(teachings(nodes, keywords, emergency), children)
