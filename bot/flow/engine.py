"""The conversation engine: (guide, state, event, clock) -> outcome. Pure and deterministic.

Every adapter (terminal, Telegram, previews, staff-written tests) calls `handle` and nothing else
decides where a conversation goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from bot.flow import actions
from bot.flow.model import DEFAULT_LANGUAGE, LANGUAGES, Contact, Guide, Node
from bot.flow.render import render_node, visible_contacts
from bot.flow.routing.router import Routing, route
from bot.flow.session import (
    MAX_BACK_STEPS,
    Command,
    Event,
    Outcome,
    Press,
    Reply,
    SessionState,
    Start,
    Tally,
    Text,
)
from bot.flow.understanding import command_name, did_you_mean

COMMANDS = ("start", "help", "menu", "nood", "wis", "taal", "terug")


def new_session(guide: Guide, language: str | None = None) -> SessionState:
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    return SessionState(node=guide.start, language=chosen, flow_version=guide.version)


def language_from_code(code: str | None) -> str:
    """Telegram's IETF language_code ('nl', 'en-GB', ...) to a guide language."""
    if code and code.lower().split("-")[0] in LANGUAGES:
        return code.lower().split("-")[0]
    return DEFAULT_LANGUAGE


def is_stale(guide: Guide, state: SessionState) -> bool:
    """True when the state points at something the current guide no longer has."""
    if state.node not in guide.nodes:
        return True
    if state.pending is not None and state.pending not in guide.nodes:
        return True
    return any(step not in guide.nodes for step in state.back)


def handle(
    guide: Guide,
    state: SessionState | None,
    event: Event,
    now: datetime,
    *,
    language: str | None = None,
) -> Outcome:
    """Answer one event. `language` picks the language of a brand-new session."""
    fresh = state is None
    current = new_session(guide, language) if state is None else state
    if isinstance(event, Command):
        event = _command_as_event(event)
    if isinstance(event, Press) and event.action == actions.ERASE:
        return _erase(guide, current)
    if isinstance(event, Press) and event.action == actions.EMERGENCY:
        return _emergency(guide, current, now)
    routing = route(guide.router, event.text) if isinstance(event, Text) else None
    # Danger to life first: a crisis or acute phrasing wins before anything else is looked at.
    if routing is not None and routing.target is not None and routing.target in guide.router.priority_of:
        return _urgent(guide, current, routing.target, now)
    if not fresh and is_stale(guide, current):
        restarted = SessionState(
            node=guide.start,
            language=current.language,
            variables=_known_variables(guide, current),
            flow_version=guide.version,
        )
        return _show(
            guide,
            restarted,
            now,
            preface=guide.message("flow_changed", restarted.language),
            result="flow_changed",
        )
    current = replace(current, flow_version=guide.version)

    if isinstance(event, Start):
        return _start(guide, current, event.payload, now, fresh=fresh)
    if routing is not None:
        return _text(guide, current, routing, now)
    assert isinstance(event, Press)  # noqa: S101 - commands were turned into presses above
    return _press(guide, current, event.action, now)


def _command_as_event(command: Command) -> Event:
    name = command_name(command.name)
    argument = command.argument.strip()
    if name == "start":
        return Start(argument or None)
    mapping = {
        "help": actions.HELP,
        "menu": actions.RESTART,
        "nood": actions.EMERGENCY,
        "wis": actions.ERASE,
        "terug": actions.BACK,
    }
    if name == "taal":
        return Press(actions.language_action(argument.lower() if argument else ""))
    if name in mapping:
        return Press(mapping[name])
    return Press(actions.UNKNOWN_COMMAND)


def _known_variables(guide: Guide, state: SessionState) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, value)
        for name, value in state.variables
        if name in guide.variables and value in guide.variables[name].values
    )


def _start(guide: Guide, state: SessionState, payload: str | None, now: datetime, *, fresh: bool) -> Outcome:
    entry = payload if payload in guide.entry_points else None
    target = guide.entry_points[entry] if entry is not None else guide.start
    base = replace(state, node=guide.start, back=(), pending=None)
    tallies = (Tally("entry", entry or "start"),)
    return _go(guide, base, target, now, push=False, extra_tallies=tallies)


def _text(guide: Guide, state: SessionState, routing: Routing, now: datetime) -> Outcome:
    if routing.decision == "go" and routing.target is not None and routing.target in guide.nodes:
        return _go(guide, state, routing.target, now, push=True, extra_tallies=(Tally("entry", "keyword"),))
    if routing.decision == "suggest" and state.node in guide.nodes:
        return did_you_mean(guide, state, routing, now)
    return _show(
        guide,
        state,
        now,
        preface=guide.message("not_understood", state.language),
        result="not_understood",
        extra_tallies=(Tally("outcome", "not_understood"),),
    )


def _press(guide: Guide, state: SessionState, action: str, now: datetime) -> Outcome:
    if action == actions.BACK:
        if not state.back:
            return _show(guide, replace(state, node=guide.start, pending=None), now)
        *rest, previous = state.back
        return _show(guide, replace(state, node=previous, back=tuple(rest), pending=None), now)
    if action == actions.RESTART:
        return _show(guide, replace(state, node=guide.start, back=(), pending=None), now)
    if action == actions.HELP:
        return _go(guide, state, guide.help, now, push=True)
    if action == actions.UNKNOWN_COMMAND:
        preface = guide.message("unknown_command", state.language)
        return _show(guide, state, now, preface=preface, result="unknown_command")
    if action.startswith(actions.GO_PREFIX):
        suggested = action.removeprefix(actions.GO_PREFIX)
        if suggested not in guide.nodes:
            return _stale_button(guide, state, now)
        return _go(guide, state, suggested, now, push=True, extra_tallies=(Tally("entry", "suggestion"),))
    if action.startswith(actions.LANGUAGE_PREFIX):
        return _switch_language(guide, state, action.removeprefix(actions.LANGUAGE_PREFIX), now)
    press = actions.parse_option_action(action)
    node = guide.nodes.get(press.node) if press is not None else None
    if press is None or node is None or press.index >= len(node.options):
        return _stale_button(guide, state, now)
    option = node.options[press.index]
    if actions.option_check(option) != press.check or not option.when.holds(state.variable_map):
        return _stale_button(guide, state, now)
    variables = state.variable_map
    variables.update(option.sets)
    moved = replace(state, variables=tuple(sorted(variables.items())), node=node.id)
    # A press on an older message counts from the node that message showed.
    if node.id != state.node:
        moved = replace(moved, back=_pushed(state.back, state.node))
    target = option.goto
    if target is None:
        target = state.pending or guide.start
        moved = replace(moved, pending=None)
    return _go(guide, moved, target, now, push=True)


def _switch_language(guide: Guide, state: SessionState, wanted: str, now: datetime) -> Outcome:
    if wanted and wanted not in LANGUAGES:  # `/taal xx`: say which languages there are, switch nothing
        return _show(guide, state, now, preface=guide.message("language_choices", state.language),
                     result="language_unknown")
    if not wanted:  # plain `/taal` or the language button: the other language
        others = [code for code in LANGUAGES if code != state.language]
        wanted = others[0] if others else state.language
    switched = replace(state, language=wanted)
    return _show(guide, switched, now, preface=guide.message("language_changed", wanted), result="language_changed")


def _stale_button(guide: Guide, state: SessionState, now: datetime) -> Outcome:
    return _show(guide, state, now, preface=guide.message("stale_button", state.language), result="stale_button")


def _emergency(guide: Guide, state: SessionState, now: datetime) -> Outcome:
    safe = state if state.node in guide.nodes else replace(state, node=guide.start, back=())
    return _go(guide, safe, guide.emergency, now, push=True)


def _urgent(guide: Guide, state: SessionState, target: str, now: datetime) -> Outcome:
    """Straight to the crisis or emergency screen, even from a place the guide no longer has."""
    if target == guide.emergency:
        return _emergency(guide, state, now)
    safe = state if not is_stale(guide, state) else new_session(guide, state.language)
    return _go(guide, replace(safe, flow_version=guide.version), target, now, push=True)


def _erase(guide: Guide, state: SessionState) -> Outcome:
    reply = Reply(text=guide.message("erased", state.language))
    return Outcome(
        replies=(reply,),
        state=None,
        erase_chat=True,
        result="erased",
        tallies=(Tally("outcome", "erased"),),
    )


def _pushed(back: tuple[str, ...], node: str) -> tuple[str, ...]:
    if back and back[-1] == node:
        return back
    return (*back, node)[-MAX_BACK_STEPS:]


def _go(
    guide: Guide,
    state: SessionState,
    target: str,
    now: datetime,
    *,
    push: bool,
    extra_tallies: tuple[Tally, ...] = (),
) -> Outcome:
    node = guide.nodes[target]
    pending = state.pending
    missing = [name for name in node.requires if name not in state.variable_map]
    asker = next((guide.variables[name].ask for name in missing if guide.variables[name].ask), None)
    if asker is not None and asker != target:
        pending, target = target, asker
    back = _pushed(state.back, state.node) if push and target != state.node else state.back
    moved = replace(state, node=target, back=back, pending=pending)
    return _show(guide, moved, now, extra_tallies=extra_tallies)


def _show(
    guide: Guide,
    state: SessionState,
    now: datetime,
    *,
    preface: str | None = None,
    result: str | None = None,
    extra_tallies: tuple[Tally, ...] = (),
) -> Outcome:
    node = guide.nodes[state.node]
    variables = state.variable_map
    # Ordered once: the cards shown and the contacts counted are the same, in the same order.
    contacts = visible_contacts(guide, node, variables, now)
    reply = render_node(
        guide,
        node,
        variables,
        state.language,
        now,
        can_go_back=bool(state.back),
        preface=preface,
        contacts=contacts,
    )
    return Outcome(
        replies=(reply,),
        state=state,
        result=result or _result_of(guide, node),
        tallies=extra_tallies + _tallies_of(guide, node, contacts),
    )


def _result_of(guide: Guide, node: Node) -> str:
    if node.id == guide.emergency:
        return "emergency"
    if node.outcome:
        return node.outcome
    return "completed" if node.end else "shown"


def _tallies_of(guide: Guide, node: Node, contacts: Sequence[Contact]) -> tuple[Tally, ...]:
    tallies = [Tally("node", node.id)]
    # In showing order, so a conversation test can ask which card came first.
    tallies += [Tally("contact", contact.id) for contact in contacts]
    result = _result_of(guide, node)
    if result != "shown":
        tallies.append(Tally("outcome", result))
    return tuple(tallies)
