"""The guide as frozen values: what the loader builds from YAML and the engine reads.

Nothing here knows about files, Telegram or storage, and nothing here can be changed once built:
the `Guide`'s mappings are read-only views. Every transition is data: options name
their target, conditions are a small closed set over declared variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from types import MappingProxyType

from bot.flow.routing.index import EMPTY_INDEX, RouteIndex

LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

# Keys of `guide.messages`: texts the engine and the adapters need outside any node.
MESSAGE_KEYS: tuple[str, ...] = (
    "not_understood",  # free text that matched no keyword
    "flow_changed",  # the user's place in the guide no longer exists after an edit
    "stale_button",  # a button from an old message that no longer fits the guide
    "erased",  # after "leave and erase"
    "language_changed",  # after /taal
    "language_choices",  # after /taal with a language the guide does not have
    "unsupported",  # a photo, sticker, voice note, file, location or contact
    "private_only",  # the bot was addressed in a group or channel
    "slow_down",  # a user sending very many messages
    "fallback",  # something went wrong inside the bot
    "late",  # put above an answer to a message that waited long (e.g. after a Telegram outage)
    "help",  # /help: how the guide works, what it keeps, what erase can and cannot do
)

# Keys of `guide.buttons`: the buttons every node gets.
BUTTON_KEYS: tuple[str, ...] = ("back", "restart", "emergency", "erase")

WEEKDAYS: tuple[str, ...] = ("ma", "di", "wo", "do", "vr", "za", "zo")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value came from, for messages to the people who edit the YAML."""

    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NOWHERE = Location("<flows>", 1, 1)


@dataclass(frozen=True, slots=True)
class Localized:
    """One text in every language; Dutch is required, English falls back to Dutch."""

    nl: str
    en: str | None = None

    def get(self, language: str) -> str:
        if language == "en" and self.en:
            return self.en
        return self.nl


@dataclass(frozen=True, slots=True)
class Condition:
    """A declarative test on the session's variables.

    `when` holds (variable, allowed values) pairs that must all match; `unless` holds pairs
    of which none may match. The value "onbekend" stands for a variable not set yet.
    """

    when: tuple[tuple[str, frozenset[str]], ...] = ()
    unless: tuple[tuple[str, frozenset[str]], ...] = ()

    def holds(self, variables: Mapping[str, str]) -> bool:
        for name, allowed in self.when:
            if variables.get(name, UNSET) not in allowed:
                return False
        # Most options have no `unless`: no generator to build for them.
        return not self.unless or all(
            variables.get(name, UNSET) not in banned for name, banned in self.unless
        )

    @property
    def always(self) -> bool:
        return not self.when and not self.unless

    def describe(self) -> str:
        """Short human text such as 'rol: raadslid, statenlid', for graphs and previews."""
        parts = [f"{name}: {', '.join(sorted(values))}" for name, values in self.when]
        parts += [f"{name} niet: {', '.join(sorted(values))}" for name, values in self.unless]
        return "; ".join(parts)


UNSET = "onbekend"
ALWAYS = Condition()

# Keys of `guide.messages` a guide may leave out; the engine then says these texts.
OPTIONAL_MESSAGES: Mapping[str, Localized] = MappingProxyType(
    {
        "did_you_mean": Localized(
            nl="Ik weet niet zeker wat u bedoelt. Bedoelt u een van deze onderwerpen? Kies hieronder, "
            "of zeg het in andere woorden.",
            en="I am not sure what you mean. Do you mean one of these topics? Choose below, or say it "
            "in other words.",
        ),
        "unknown_command": Localized(
            nl="Die opdracht ken ik niet. Dit kan wel: /start (opnieuw beginnen), /menu (onderwerpen), "
            "/terug, /nood (acuut gevaar: 112), /wis (verlaten en wissen), /taal (English) en /help.",
            en="I do not know that command. These work: /start (start again), /menu (topics), /terug "
            "(back), /nood (acute danger: 112), /wis (leave and erase), /taal (Nederlands) and /help.",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Option:
    """A button on a node: its label, where it goes, which variables it sets."""

    label: Localized
    goto: str | None  # None: continue to the node that asked for the variable (or the start)
    sets: tuple[tuple[str, str], ...] = ()
    when: Condition = ALWAYS
    location: Location = NOWHERE
    target_location: Location = NOWHERE  # where `goto` stands, for precise messages


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Extra text on a node, shown only when its condition holds (e.g. only for raadsleden)."""

    text: Localized
    when: Condition = ALWAYS
    location: Location = NOWHERE


@dataclass(frozen=True, slots=True)
class ContactRef:
    contact: str
    when: Condition = ALWAYS
    location: Location = NOWHERE


@dataclass(frozen=True, slots=True)
class Example:
    """A phrasing a user might type to reach a node ("ik word bedreigd"), in one language or both."""

    text: str
    language: str | None = None  # "nl", "en", or None when given as a plain list
    location: Location = NOWHERE


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    text: Localized
    title: Localized | None = None  # short name for graphs and previews
    paragraphs: tuple[Paragraph, ...] = ()
    options: tuple[Option, ...] = ()
    contacts: tuple[ContactRef, ...] = ()
    end: bool = False
    requires: tuple[str, ...] = ()  # variables that must be known before this node is shown
    outcome: str | None = None  # counted anonymously when shown: "emergency", "completed", ...
    location: Location = NOWHERE
    examples: tuple[Example, ...] = ()  # phrasings that lead here when typed
    priority: str | None = None  # one of PRIORITIES: typed text is checked for it before anything else

    def short_title(self, language: str = "nl") -> str:
        if self.title is not None:
            return self.title.get(language)
        first_line = self.text.get(language).strip().splitlines()[0] if self.text.nl.strip() else ""
        return first_line[:48] or self.id


@dataclass(frozen=True, slots=True)
class OpeningSlot:
    weekday: int  # 0 = Monday
    opens: int  # minutes after midnight
    closes: int  # minutes after midnight; 1440 means midnight at the end of the day


@dataclass(frozen=True, slots=True)
class OpeningHours:
    always: bool = False
    slots: tuple[OpeningSlot, ...] = ()
    note: Localized | None = None

    @property
    def known(self) -> bool:
        return self.always or bool(self.slots)


@dataclass(frozen=True, slots=True)
class Contact:
    id: str
    name: Localized
    purpose: Localized
    source: str  # URL of the page the facts come from
    verified: date
    phone: str | None = None
    url: str | None = None
    email: str | None = None
    hours: OpeningHours = field(default_factory=OpeningHours)
    review_by: date | None = None
    caveat: Localized | None = None  # shown with the contact: e.g. "number from 2021, check"
    location: Location = NOWHERE

    @property
    def always_open(self) -> bool:
        return self.hours.always


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    values: tuple[str, ...]
    ask: str | None = None  # the node that asks for it when a node `requires` it
    location: Location = NOWHERE


@dataclass(frozen=True, slots=True)
class KeywordRoute:
    words: tuple[str, ...]  # normalised: lower case, no accents
    goto: str
    emergency: bool = False
    location: Location = NOWHERE


@dataclass(frozen=True, slots=True)
class ReadabilityRules:
    """Thresholds for the plain-language warnings of `wegwijzer check` (guide.readability)."""

    max_sentence_words: int = 20
    min_reading_ease: float = 60.0  # Flesch-Douma, for Dutch; higher is easier
    jargon: tuple[str, ...] = ("Bibob", "processtukken", "kabinetschef", "hulpofficier")
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class Guide:
    """The whole guide: every node, contact and route, ready for the engine."""

    start: str
    emergency: str
    help: str
    nodes: Mapping[str, Node]
    contacts: Mapping[str, Contact]
    variables: Mapping[str, Variable]
    keywords: tuple[KeywordRoute, ...]
    entry_points: Mapping[str, str]
    buttons: Mapping[str, Localized]
    messages: Mapping[str, Localized]
    version: str  # a short hash of the files; changes whenever the guide changes
    readability: ReadabilityRules = ReadabilityRules()
    router: RouteIndex = EMPTY_INDEX  # examples and keywords, ready for free text (built by the loader)

    def __post_init__(self) -> None:
        # Frozen all the way down: every mapping becomes a read-only view of a private copy and
        # every list a tuple, so nothing can change a loaded guide while the bot serves it.
        for name in (item.name for item in fields(self)):
            value = getattr(self, name)
            if isinstance(value, Mapping) and not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))
            elif isinstance(value, list):
                object.__setattr__(self, name, tuple(value))

    def message(self, key: str, language: str) -> str:
        text = self.messages.get(key) or OPTIONAL_MESSAGES[key]
        return text.get(language)

    def button(self, key: str, language: str) -> str:
        return self.buttons[key].get(language)
