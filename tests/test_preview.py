"""`wegwijzer preview`: one self-contained page, every node as in the chat, checked in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.authoring.preview import render_preview
from bot.flow.loader import load_guide
from bot.flow.render import AMSTERDAM

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "authoring" / "flows"
SHIPPED = ROOT / "flows"
NIGHT = datetime(2026, 12, 1, 3, 0, tzinfo=AMSTERDAM)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class _Page(HTMLParser):
    """The ids, links, resource references and visible text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.resources: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if "href" in values:
            self.hrefs.append(str(values["href"]))
        self.resources += [f"{tag}[{name}]" for name in ("src", "srcset", "action", "data")
                           if name in values]
        if tag == "link":
            self.resources.append("link")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _html(folder: Path = FIXTURE) -> str:
    return render_preview(load_guide(folder), NIGHT)


@pytest.mark.parametrize("folder", [FIXTURE, SHIPPED], ids=["fixture", "shipped"])
def test_page_is_self_contained_and_every_link_lands_on_a_node(folder: Path) -> None:
    """No scripts, images, fonts or style sheets from elsewhere; every href points into the page."""
    html = _html(folder)
    page = _parse(html)
    assert "script" not in page.tags
    assert "iframe" not in page.tags
    assert "img" not in page.tags
    assert page.resources == []
    assert "@import" not in html
    assert "url(" not in html
    assert "default-src 'none'" in html
    assert page.hrefs, "the page has no links"
    for href in page.hrefs:
        assert href.startswith("#"), href
        assert href[1:] in page.ids, f"link {href} has no target"
    guide = load_guide(folder).guide
    assert guide is not None
    assert {f"node-{node_id}" for node_id in guide.nodes} <= page.ids


def test_node_shows_bubble_buttons_cards_and_both_languages() -> None:
    """The threat node: text, conditional paragraph marked, contact cards with hours, buttons."""
    html = _html()
    article = re.search(r'<article id="node-dreiging">.*?</article>', html, re.S)
    assert article is not None
    node = article.group(0)
    assert "Bent u nu in gevaar? Bel 112." in node
    assert "In danger now? Call 112." in node
    assert "alleen als rol: raadslid</span>" in node
    assert "Tel. 070-3738314 · dag en nacht bereikbaar (24/7)" in node
    assert "nu gesloten — opent vandaag 09:00" in node  # 03:00 on a Tuesday
    assert "closed now — opens today 09:00" in node
    assert "openingstijden: ma–vr 09:00–17:00" in node
    assert '<a class="button" href="#node-aangifte" data-target="Aangifte (aangifte)">Aangifte doen' in node
    assert 'href="#node-nood"' in node  # the emergency button on every other node
    assert 'lang="nl"' in node
    assert 'lang="en"' in node


def test_editors_text_is_escaped_and_web_addresses_are_plain_text() -> None:
    """Markup typed in a label shows as text; contact URLs are not links."""
    html = _html()
    assert "Online haat &amp; &quot;doxing&quot; [#1] &lt;b&gt;" in html
    assert "<b>" not in html
    assert "https://www.politie.nl/themas/aangifte-doen.html" in html
    assert 'href="https://' not in html


def test_problems_appear_beside_the_node_they_concern(tmp_path: Path) -> None:
    """A warning on a node's text is shown in that node's article, with file and line."""
    flows = tmp_path / "flows"
    shutil.copytree(FIXTURE, flows)
    nodes = flows / "nodes.yaml"
    nodes.write_text(nodes.read_text().replace(
        'text: {nl: "Bewaar bewijs: maak schermafbeeldingen.", en: "Keep evidence: take screenshots."}',
        'text: "Bewaar bewijs: maak schermafbeeldingen."',
    ))
    result = load_guide(flows)
    assert result.ok
    assert result.warnings
    html = render_preview(result, NIGHT)
    online = re.search(r'<article id="node-online">.*?</article>', html, re.S)
    start = re.search(r'<article id="node-start">.*?</article>', html, re.S)
    assert online is not None
    assert start is not None
    assert "nodes.online.text: alleen Nederlands" in online.group(0)
    assert "nodes.yaml:" in online.group(0)
    assert "waarschuwing" in online.group(0)
    assert "problems" not in start.group(0)


def test_cli_writes_the_file(tmp_path: Path) -> None:
    """`wegwijzer preview -o FILE` writes one HTML file and says how many nodes it shows."""
    output = tmp_path / "preview.html"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "preview", "-o", str(output), "--flows", str(FIXTURE)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "7 stappen" in result.stdout
    assert output.read_text(encoding="utf-8").startswith("<!doctype html>")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium); "
                    "the headless-browser check of the preview needs it")
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_chromium_renders_the_start_node_with_its_buttons(tmp_path: Path) -> None:
    """In a real browser the DOM holds the start node and its buttons; every link resolves."""
    page_file = tmp_path / "preview.html"
    page_file.write_text(_html(SHIPPED), encoding="utf-8")
    shown = _chromium(tmp_path, "--dump-dom", page_file.as_uri())
    assert shown.returncode == 0, shown.stderr[-2000:]
    guide = load_guide(SHIPPED).guide
    assert guide is not None
    dom = _parse(shown.stdout)
    start = re.search(rf'<article id="node-{guide.start}">.*?</article>', shown.stdout, re.S)
    assert start is not None, "the start node is not in the rendered page"
    for option in guide.nodes[guide.start].options:
        assert f'href="#node-{option.goto}"' in start.group(0)
        assert option.label.nl.replace("&", "&amp;") in start.group(0)
    for href in dom.hrefs:
        assert href[1:] in dom.ids, f"link {href} has no target in the rendered page"


def test_chromium_screenshot_is_taken(tmp_path: Path) -> None:
    """A phone-sized screenshot of the page can be made (the page renders without errors)."""
    page_file = tmp_path / "preview.html"
    page_file.write_text(_html(), encoding="utf-8")
    picture = tmp_path / "phone.png"
    shot = _chromium(tmp_path, "--hide-scrollbars", "--window-size=390,1200",
                     f"--screenshot={picture}", page_file.as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 10_000
