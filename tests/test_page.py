"""The search page in a real Chromium (Debian's, driven by Playwright) against a real `guidekb serve`."""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

import httpx
import pytest

from conftest import copy_corpus
from server_utils import running_server
from test_api import QUESTION

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError as exc:  # an error, not a skip: CI must run these
    raise ImportError("the browser tests need Playwright: pip install -e '.[test]'") from exc

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = Path(os.environ.get("GUIDEKB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# A second, English page so the language filter has a choice to make.
EN_PAGE = """Skip to main content

Erasmus+

EU programme for education, training, youth and sport
Search the guide

Key Action 1: Learning mobility of individuals

Mobility projects for learners and staff support physical and blended mobility in higher education, vocational education and training, school education and adult education.

Applications for mobility projects are submitted to the National Agency of the country where the applying organisation is established.

Youth exchanges allow groups of young people from at least two countries to meet and live together for up to 21 days.

Eligible participants in youth exchanges include:

 • young people aged between 13 and 30 resident in the countries of the sending and receiving organisations;
 • group leaders aged 18 or older accompanying the young people.
"""
EN_URL = "https://erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-1"


@pytest.fixture(scope="module")
def server(engine, corpus_dir, tmp_path_factory):
    """The bundled corpus (its index is the session's, already built by `engine`)."""
    with running_server(corpus_dir, tmp_path_factory.mktemp("serve") / "server.log", timeout=180) as (base, _):
        yield base


@pytest.fixture(scope="module")
def bilingual_server(tmp_path_factory):
    """The bundled Bulgarian page plus a small English one."""
    corpus = copy_corpus(tmp_path_factory.mktemp("bilingual"))
    (corpus / "en_ka1.txt").write_text(EN_PAGE, encoding="utf-8")
    meta = {"source": "en_ka1.txt", "sha256": hashlib.sha256(EN_PAGE.encode("utf-8")).hexdigest(),
            "format": "page-text", "official": True, "language": "en",
            "title": "Key Action 1: Learning mobility of individuals", "section_path": ["Part B"], "url": EN_URL,
            "edition": None}
    (corpus / "en_ka1.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with running_server(corpus, corpus.parent / "server.log", timeout=180) as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), f"no Chromium at {CHROMIUM}: apt-get install chromium (or set GUIDEKB_CHROMIUM)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """open_page(base, locale=..., viewport=...) -> a page of the search UI, wired up and without JS errors."""
    contexts, errors = [], []

    def _open(base: str, locale: str = "en-US", viewport=None):
        ctx = browser.new_context(locale=locale, viewport=viewport or {"width": 1100, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"])
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready=true]")
        return page

    yield _open
    for ctx in contexts:
        ctx.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


@pytest.fixture
def artifacts(tmp_path) -> Path:
    out = Path(os.environ.get("GUIDEKB_ARTIFACTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def ask(page, question: str):
    page.fill("#q", question)
    started = time.monotonic()
    page.press("#q", "Enter")
    page.wait_for_selector(".card")
    return time.monotonic() - started


def api_hits(base: str, **params) -> list[dict]:
    r = httpx.get(f"{base}/search", params={"q": QUESTION, "k": 10, **params}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["passages"]


def test_question_shows_eacea_first_with_citation(server, open_page, artifacts, capsys):
    page = open_page(server)
    ask(page, QUESTION)  # warm-up: the first query pays for lazy work in the model
    elapsed = ask(page, QUESTION)
    with capsys.disabled():  # reported, not asserted: speed is checked in benchmarks, not in timed tests
        print(f"\nsearch page: Enter to first card {elapsed:.2f} s")

    expected = api_hits(server)
    cards = page.locator("article.card")
    expect(cards).to_have_count(len(expected))
    first, hit = cards.first, expected[0]
    assert "EACEA" in first.locator(".passage").inner_text()
    assert first.get_attribute("data-id") == hit["id"]
    assert first.locator(".passage mark").inner_text() == hit["highlight"]
    assert first.locator(".passage").get_attribute("lang") == hit["language"] == "bg"
    assert first.locator(".path").inner_text() == hit["citation"]["section"]
    assert first.locator("a.source").get_attribute("href") == hit["citation"]["url"]
    meta = first.locator(".meta").inner_text()
    assert hit["citation"]["edition"] in meta and "Bulgarian" in meta
    assert f"passage {hit['citation']['position']['passage']} of {hit['citation']['position']['of']}" in meta
    expect(page.locator("#status")).to_contain_text(f"{len(expected)} passages in")
    assert "q=who+manages" in page.url  # the question is in the address, so the page can be shared

    shot = artifacts / "search-results.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\nscreenshot of the results page: {shot}")


def test_copy_citation_puts_the_reference_on_the_clipboard(server, open_page):
    page = open_page(server)
    ask(page, QUESTION)
    reference = api_hits(server)[1]["citation"]["reference"]
    second = page.locator("article.card").nth(1)
    second.get_by_role("button", name="Copy citation").click()
    expect(page.locator("#status")).to_have_text("Citation copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == reference


def test_language_filter(bilingual_server, open_page):
    page = open_page(bilingual_server)
    options = page.locator("#languages option")
    expect(options).to_have_count(3)
    assert [options.nth(i).get_attribute("value") for i in range(3)] == ["", "bg", "en"]

    ask(page, QUESTION)
    langs = page.locator("article.card").evaluate_all("cards => cards.map(c => c.dataset.lang)")
    assert set(langs) == {"bg", "en"}

    page.select_option("#languages", "en")  # re-runs the search
    expect(page.locator("article.card[data-lang=bg]")).to_have_count(0)
    expected = api_hits(bilingual_server, languages="en")
    assert expected and {h["language"] for h in expected} == {"en"}
    expect(page.locator("article.card")).to_have_count(len(expected))
    assert page.locator("article.card").first.get_attribute("data-id") == expected[0]["id"]
    assert "languages=en" in page.url

    page.select_option("#languages", "bg")
    expect(page.locator("article.card[data-lang=en]")).to_have_count(0)
    expect(page.locator("article.card").first.locator(".passage")).to_contain_text("EACEA")


def test_keyboard_only(server, open_page):
    page = open_page(server)
    kb = page.keyboard

    def focused() -> str:
        return page.evaluate("(() => { const e = document.activeElement;"
                             " return e.id || e.className || e.tagName.toLowerCase(); })()")

    def has_visible_focus() -> bool:
        return page.evaluate("getComputedStyle(document.activeElement).outlineStyle !== 'none'")

    stops = []
    for _ in range(3):
        kb.press("Tab")
        stops.append(focused())
        assert has_visible_focus(), f"no focus outline on {stops[-1]}"
    assert stops == ["skip", "ui-lang", "q"]
    kb.type(QUESTION)
    kb.press("Enter")
    page.wait_for_selector(".card")
    for expected in ["go", "languages", "source", "secondary copy"]:
        kb.press("Tab")
        assert focused() == expected
        assert has_visible_focus(), f"no focus outline on {expected}"
    kb.press("Enter")  # on the first card's copy button
    expect(page.locator("#status")).to_have_text("Citation copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == api_hits(server)[0]["citation"]["reference"]

    page.reload()  # the question is in the address: the results come back
    page.wait_for_selector(".card")
    kb.press("Tab")
    assert focused() == "skip"
    kb.press("Enter")  # the skip link moves focus to the results
    assert focused() == "results"


@pytest.mark.parametrize("locale,lang,heading,label,button", [
    ("en-GB", "en", "Ask the Erasmus+ Programme Guide", "Your question", "Copy citation"),
    ("bg-BG", "bg", "Попитайте Ръководството за програмата „Еразъм+“", "Вашият въпрос", "Копиране на цитата"),
], ids=["en", "bg"])
def test_ui_language_follows_the_browser_and_labels_every_control(server, open_page, locale, lang, heading,
                                                                 label, button):
    page = open_page(server, locale=locale)
    assert page.evaluate("document.documentElement.lang") == lang
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.get_by_label(label).fill(QUESTION)  # the box is found by its label, as a screen reader would
    page.keyboard.press("Enter")
    page.wait_for_selector(".card")
    expect(page.get_by_role("button", name=button)).to_have_count(len(api_hits(server)))
    unlabelled = page.evaluate("""[...document.querySelectorAll('input, select, button')]
        .filter(e => !(e.labels && e.labels.length) && !e.textContent.trim() && !e.getAttribute('aria-label'))
        .map(e => e.id || e.outerHTML)""")
    assert unlabelled == []


def test_ui_language_switch_and_string_tables(server, open_page):
    page = open_page(server, locale="en-US")
    keys = page.evaluate("[Object.keys(guidekbStrings.en).sort(), Object.keys(guidekbStrings.bg).sort()]")
    assert keys[0] == keys[1]  # every string exists in both languages
    ask(page, QUESTION)
    page.select_option("#ui-lang", "bg")
    assert page.evaluate("document.documentElement.lang") == "bg"
    expect(page.get_by_label("Вашият въпрос")).to_have_value(QUESTION)
    expect(page.locator("article.card").first.locator(".meta")).to_contain_text("български")  # cards re-rendered
    expect(page.locator("#status")).to_have_text(re.compile(r"^10 откъса за 0,\d\d с$"))
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("document.documentElement.lang") == "bg"  # the choice is remembered
    expect(page.locator("article.card").first.locator(".passage")).to_contain_text("EACEA")  # ?q= re-runs


def test_phone_width(server, open_page, artifacts, capsys):
    page = open_page(server, locale="bg-BG", viewport={"width": 360, "height": 740})
    ask(page, QUESTION)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing scrolls sideways
    box = page.locator("#q").bounding_box()
    assert box["width"] > 250
    shot = artifacts / "search-results-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    with capsys.disabled():
        print(f"\nscreenshot at phone width: {shot}")


def test_error_message_is_shown(server, open_page):
    page = open_page(server)
    page.goto(f"{server}/?q={'a' * 1001}")  # a link can go past the box's maxlength; the server still says no
    expect(page.get_by_role("alert")).to_contain_text("The search failed: the question has 1001 characters")
    expect(page.locator("article.card")).to_have_count(0)


@pytest.fixture(scope="module")
def multilingual_server(multilingual_engine, multilingual_settings, tmp_path_factory):
    """The seed page and its team-written en/de/fr test translations (index built by `multilingual_engine`)."""
    corpus = multilingual_settings.corpus_dir
    with running_server(corpus, tmp_path_factory.mktemp("serve-ml") / "server.log", timeout=180) as (base, _):
        yield base


def test_a_bulgarian_answer_shows_the_prevailing_english_text_one_click_away(multilingual_server, open_page, artifacts):
    page = open_page(multilingual_server)
    ask(page, "кой управлява проектите за изграждане на капацитет?")
    first = page.locator("article.card").first
    assert first.get_attribute("data-lang") == "bg"
    english = first.locator("details.translation[data-lang=en]")
    expect(english.locator("summary")).to_contain_text("prevailing version")
    assert not english.locator(".passage").first.is_visible()  # folded until asked for
    english.locator("summary").click()
    text = english.locator(".passage").first
    expect(text).to_be_visible()
    assert text.get_attribute("lang") == "en"
    hit = httpx.get(f"{multilingual_server}/search", params={"q": "кой управлява проектите за изграждане на капацитет?",
                                                             "k": 10}, timeout=30).json()["passages"][0]
    en = next(t for t in hit["translations"] if t["language"] == "en")
    assert text.inner_text() == en["passages"][0]["text"]
    assert english.locator("a").first.get_attribute("href") == en["passages"][0]["citation"]["url"]
    page.screenshot(path=str(artifacts / "search-translation.png"), full_page=True)


# -- citations that land: the readable URL a help desk pastes, opened in Chromium -------------------------


@pytest.fixture(scope="module")
def guide_page_server(corpus_dir, tmp_path_factory):
    """The bundled page's text as an HTML page (one <p> per line), served on 127.0.0.1 under its official path."""
    import http.server
    import threading
    from html import escape

    from ingest import load_corpus

    (doc,) = load_corpus(corpus_dir)
    path = "/" + doc.url.split("://", 1)[1].split("/", 1)[1]
    body = "".join(f"<p>{escape(line)}</p>" for line in doc.text.splitlines() if line.strip())
    html = f'<!doctype html><html lang="bg"><meta charset="utf-8"><body style="font-size:20px">{body}</body></html>'

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            ok = self.path.split("#", 1)[0] == path
            data = html.encode("utf-8") if ok else b"not found"
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield doc, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _path_and_fragment(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _landed(browser, url: str, needle: str) -> tuple[float, bool]:
    """(scrollY after opening `url`, whether the paragraph holding `needle` is in the viewport)."""
    ctx = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_timeout(800)  # Chromium scrolls to a text fragment after load
        return page.evaluate("""needle => {
            const p = [...document.querySelectorAll('p')].find(e => e.textContent.includes(needle));
            const r = p.getBoundingClientRect();
            return [window.scrollY, r.top >= 0 && r.bottom <= window.innerHeight];
        }""", needle)
    finally:
        ctx.close()


def test_a_pasted_bulgarian_citation_is_short_readable_and_opens_on_its_sentence(engine, guide_page_server, browser):
    doc, base = guide_page_server
    # one-sentence passages far enough down the page that landing on them needs a scroll
    singles = [p for p in engine.index.passages
               if p.text.count(". ") == 0 and len(p.text.split()) >= 8 and p.position > p.page_passages // 2]
    assert singles, "the seed page has one-sentence passages in its second half"
    for p in singles[:3]:
        citation = engine.get_passage(p.id).citation
        assert len(citation.url) < 200, citation.url
        assert citation.url in citation.reference
        fragment = citation.url.split("#:~:text=", 1)[1]
        assert re.search("[а-я]", fragment) and "%D0" not in fragment  # Cyrillic as it is, not percent-escaped
        assert citation.ascii_url.isascii() and citation.ascii_url.split("#")[0] == citation.url.split("#")[0]
        local = base + _path_and_fragment(citation.url)
        needle = p.text[:40]
        scrolled, visible = _landed(browser, local, needle)
        assert scrolled > 0 and visible, f"{local} did not open on {needle!r}"
    # the control: a fragment of text the page does not hold leaves the page at its top
    missing = base + _path_and_fragment(singles[0].url).split("#")[0] + "#:~:text=несъществуващ%20текст"
    assert _landed(browser, missing, singles[0].text[:40]) == [0, False]
