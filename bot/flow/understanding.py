"""What the engine answers when typed text is not clear: "Bedoelt u...?" and unknown commands.

Never a dead end: a message that fits no screen well enough gets up to three buttons for the
closest screens, the lines of the emergency screen (112 and the Ondersteuningsteam) and the usual
112 and erase buttons. Only the fact that this happened is counted, never the text.
"""

from __future__ import annotations

from datetime import datetime

from bot.flow import actions
from bot.flow.model import Guide
from bot.flow.render import availability, navigation_rows, visible_contacts
from bot.flow.routing.router import Routing
from bot.flow.session import Button, Outcome, Reply, SessionState, Tally

# Slash commands people try from other bots or in English, and the guide's own command they mean.
COMMAND_ALIASES = {
    "emergency": "nood",
    "sos": "nood",
    "112": "nood",
    "danger": "nood",
    "erase": "wis",
    "delete": "wis",
    "wissen": "wis",
    "back": "terug",
    "language": "taal",
    "lang": "taal",
    "home": "menu",
    "topics": "menu",
    "onderwerpen": "menu",
    "restart": "start",
    "opnieuw": "start",
    "hulp": "help",
}


def command_name(name: str) -> str:
    """The guide's own name for a command, so /emergency works like /nood."""
    cleaned = name.lower().lstrip("/")
    return COMMAND_ALIASES.get(cleaned, cleaned)


def fixed_lines(guide: Guide, state: SessionState, now: datetime) -> str:
    """The emergency screen's contacts, one short line each (112, the Ondersteuningsteam)."""
    emergency = guide.nodes.get(guide.emergency)
    if emergency is None:
        return ""
    lines = []
    for contact in visible_contacts(guide, emergency, state.variable_map):
        name = contact.name.get(state.language)
        phone = f": {contact.phone}" if contact.phone and contact.phone not in name else ""
        lines.append(f"📞 {name}{phone} · {availability(contact.hours, now, state.language)}")
    return "\n".join(lines)


def did_you_mean(guide: Guide, state: SessionState, routing: Routing, now: datetime) -> Outcome:
    """Offer the closest screens as buttons; the user stays where they were."""
    language = state.language
    parts = (guide.message("did_you_mean", language), fixed_lines(guide, state, now))
    text = "\n\n".join(part for part in parts if part)
    offered = [
        (Button(guide.nodes[c.target].short_title(language), actions.go_action(c.target)),)
        for c in routing.suggestions
        if c.target in guide.nodes
    ]
    # 112 stays on this answer even when the user stands on the emergency screen.
    here = "" if state.node == guide.emergency else state.node
    usual = navigation_rows(guide, here, language, can_go_back=bool(state.back))
    reply = Reply(text=text, buttons=(*offered, *usual), node=None)
    return Outcome(replies=(reply,), state=state, result="did_you_mean", tallies=(Tally("outcome", "did_you_mean"),))
