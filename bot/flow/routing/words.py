"""From typed text to comparable words: normalised tokens and their stems, Dutch and English.

Normalising takes case, accents and punctuation away and repairs the chat spellings people use
("m'n", "mn", "z'n"). Stemming uses the Snowball stemmers (`snowballstemmer`), the standard
algorithms for Dutch and English, so "bedreiging", "bedreigingen" and "bedreigen" meet. A word's
*forms* are the word and its stems in both languages: text is matched without first guessing its
language, because officials mix them ("ik word gedoxt", "mijn account is gehackt").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol

import snowballstemmer

MAX_TEXT_CHARS = 4096  # Telegram's own limit for one message
MAX_WORDS = 200  # a longer message is read up to here; nobody in distress types more

# Chat spellings, written as the words they stand for, so examples need not list them.
# Applied after apostrophes are dropped: "m'n" and "mn" both arrive as "mn".
_SPELLINGS = {"mn": "mijn", "zn": "zijn", "t": "het", "k": "ik", "ff": "even", "idd": "inderdaad"}

_APOSTROPHE = re.compile("['’`´]")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script

# Words that carry little meaning on their own. They still count inside a phrase ("ik wil er niet
# meer zijn" is nothing but such words), but weigh little when a message is compared word by word.
_STOP_WORDS_TEXT = """
    aan al alle alles als ben bent bij dan dat de deze die dit doe doen door dus een en er ga gaat
    had heb hebben hebt heeft het hier hij hoe hun ik in is je jij jou jullie kan kun kunnen maar me
    meer met mij mijn moet mag na naar niet nog nu of om ook op over te tegen toch tot u uw van veel
    voor waar wat we was wel wie wij wil wilt worden wordt word ze zij zijn zo zou
    weet weten kom komen komt ga gaan krijg krijgen krijgt maak maken maakt zeg zeggen zegt zie zien ziet
    vind vinden vindt sta staan staat even gewoon heel erg iets iemand ander andere goed graag echt nou hoor
    raadslid raadsleden wethouder wethouders burgemeester burgemeesters statenlid statenleden gedeputeerde
    gedeputeerden bestuurder bestuurders politicus politici ambtsdrager ambtsdragers
    eigenlijk vraag vragen probleem zorg week weken dag dagen maand maanden jaar jaren gisteren vandaag
    a about am an and are as at be been being but by can could do does for from get got has have
    he her him his how i if in into is it its me my of on or our she so that the their them
    there they this to was we were im what when where who will with would you your
    go goes going want need keep keeps make know feel think please should just still also very really
    someone somebody anyone something thing
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...


_DUTCH: _Stemmer = snowballstemmer.stemmer("dutch")
_ENGLISH: _Stemmer = snowballstemmer.stemmer("english")


def words(text: str) -> tuple[str, ...]:
    """The words of `text`: lower case, no accents, chat spellings written out, punctuation gone."""
    lowered = text[:MAX_TEXT_CHARS].casefold()
    if not lowered.isascii():
        decomposed = unicodedata.normalize("NFKD", lowered)
        lowered = "".join(char for char in decomposed if not unicodedata.combining(char))
    tokens = _WORD.findall(_APOSTROPHE.sub("", lowered))[:MAX_WORDS]
    return tuple(_SPELLINGS.get(token, token) for token in tokens)


def dutch_forms(word: str) -> frozenset[str]:
    """The word and its Dutch stem; a past participle without its -d/-t too ("bedreigd")."""
    found = {word, _DUTCH.stemWord(word)}
    if len(word) >= 6 and word[-1] in "dt":
        found.add(_DUTCH.stemWord(word[:-1]))
    return frozenset(found)


def english_forms(word: str) -> frozenset[str]:
    return frozenset({word, _ENGLISH.stemWord(word)})


def forms(word: str, language: str | None = None) -> frozenset[str]:
    """The forms a word is recognised by: itself and its stems in `language`, or in both."""
    if word.isdigit() or len(word) < 3:
        return frozenset({word})
    if language == "nl":
        return dutch_forms(word)
    if language == "en":
        return english_forms(word)
    return dutch_forms(word) | english_forms(word)
