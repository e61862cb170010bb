"""YAML slips: each common mistake is named in Dutch with the line where it was made."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flow.yamlsource import read_yaml

SLIPS = {
    "een regel een spatie te ver": ("nodes:\n  a:\n    title: x\n     text: y\n", 4,
                                    "regel 4 springt 5 spaties in"),
    "een regel een spatie te weinig": ("nodes:\n  a:\n    title: x\n   text: y\n", 4, "regel 4 springt 3 spaties in"),
    "een dubbele punt in een tekst": ("nodes:\n  a:\n    text:\n      nl: Let op: dit\n", 4,
                                      'Zet de hele tekst tussen dubbele aanhalingstekens, bijvoorbeeld: "Let op: dit"'),
    "een aanhalingsteken niet gesloten": ('nodes:\n  a:\n    text:\n      nl: "Let op\n      en: "ok"\nb: 1\n', 4,
                                          'op regel 4 begint een tekst met " maar die wordt niet afgesloten'),
    "een aanhalingsteken midden in de tekst": ('nodes:\n  a:\n    text:\n      nl: "Hij zei "hoi" tegen mij"\n', 4,
                                               'er staat een " midden in de tekst'),
    "een lijstregel niet recht onder de vorige": ("nodes:\n  a:\n    contacts:\n      - a\n     - b\n", 5,
                                                  "de '-' op regel 5 staat niet recht onder die op regel 4"),
    "een sleutel zonder dubbele punt": ("nodes:\n  a\n    title: x\n", 2, "regel 2 ('a') mist een dubbele punt"),
    "een tekst die met @ begint": ("x: @jan\n", 1, "een tekst mag in YAML niet beginnen met @"),
    "geen spatie na het streepje": ("x:\n  - a\n  -b\n", 3, "na de '-' aan het begin van regel 3 hoort een spatie"),
    "een { niet gesloten": ("x: {nl: a, en: b\ny: 1\n", 1, "een { ... } wordt niet afgesloten met }"),
}


@pytest.mark.parametrize("name", SLIPS)
def test_the_slip_is_named_on_its_own_line_in_dutch(tmp_path: Path, name: str) -> None:
    """Each slip gets one Dutch sentence at the line where it was made, without the parser's English."""
    text, line, said = SLIPS[name]
    path = tmp_path / "stap.yaml"
    path.write_text(text, encoding="utf-8")
    problems = read_yaml(path, "stap.yaml").problems
    assert len(problems) == 1
    message = str(problems[0])
    assert message.startswith(f"stap.yaml:{line}:"), message
    assert said in message
    for english in ("expected", "mapping", "token", "scanning", "while"):
        assert english not in message
