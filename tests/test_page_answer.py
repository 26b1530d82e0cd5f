"""The search page's direct-answer card in a real Chromium (Debian's, driven by Playwright) against a real
`guidekb serve` over three action pages of the guide sample (team-written test material, not the official guide)
in English and Bulgarian."""
from __future__ import annotations

import httpx
import pytest

from benchmarks.guide_sample import DEFAULT_SAMPLE, render
from server_utils import running_server
from test_page import browser, open_page  # noqa: F401 (fixtures)

from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.server]

PAGES = ("part-b/key-action-2/capacity-building-sport", "part-b/key-action-2/capacity-building-youth",
         "part-b/key-action-2/cooperation-partnerships")


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    import json

    from ingest.localfiles import ingest_files

    rendered = render(DEFAULT_SAMPLE, tmp_path_factory.mktemp("sample") / "rendered")
    corpus = tmp_path_factory.mktemp("actions") / "corpus"
    for page in json.loads((rendered / "pages.json").read_text(encoding="utf-8")):
        if page["path"] in PAGES and page["lang"] in ("en", "bg"):
            ingest_files([rendered / page["text"]], corpus, url=page["url"])
    with running_server(corpus, corpus.parent / "server.log", timeout=300) as (base, _):
        yield base


def ask(page, question: str) -> None:
    page.fill("#q", question)
    page.press("#q", "Enter")
    page.wait_for_selector("article.card")


def api_answer(base: str, question: str) -> dict | None:
    r = httpx.get(f"{base}/search", params={"q": question}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["answer"]


def test_a_field_question_shows_the_answer_card_with_its_row_citation(action_server, open_page):  # noqa: F811
    question = "when is the deadline for capacity building in sport?"
    expected = api_answer(action_server, question)
    assert expected["field"] == "deadlines" and expected["action"]["page"].endswith("capacity-building-sport")
    page = open_page(action_server)
    ask(page, question)
    card = page.locator("#answer article.card.answer")
    expect(card).to_have_count(1)
    assert card.get_attribute("data-field") == "deadlines"
    expect(card.locator("h3")).to_contain_text("Capacity building in the field of sport")
    expect(card.locator(".passage")).to_have_text(expected["value"])
    assert "26 February" in expected["value"]
    assert card.locator("a.source").get_attribute("href") == expected["citation"]["url"]
    # the card sits above the passages, which stay
    assert page.locator("#answer").evaluate("a => !!(a.compareDocumentPosition(document.getElementById('hits')) & 4)")
    expect(page.locator("#hits article.card").first).to_be_visible()
    card.get_by_role("button", name="Copy citation").click()
    expect(page.locator("#status")).to_have_text("Citation copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == expected["citation"]["reference"]


def test_a_bulgarian_question_gets_the_card_in_bulgarian(action_server, open_page):  # noqa: F811
    question = "Колко време продължава проект за партньорство за сътрудничество?"
    expected = api_answer(action_server, question)
    assert expected["field"] == "duration" and expected["language"] == "bg"
    page = open_page(action_server)
    ask(page, question)
    card = page.locator("#answer article.card.answer")
    expect(card).to_have_count(1)
    assert card.locator(".passage").get_attribute("lang") == "bg"
    expect(card.locator(".passage")).to_contain_text("месеца")
    assert card.locator("a.source").get_attribute("href") == expected["citation"]["url"]


@pytest.mark.parametrize("question", ["When is the Erasmus+ deadline?",
                                      "Is the deadline the same for capacity building in sport and in youth?"])
def test_no_card_when_the_question_names_no_action_or_two(action_server, open_page, question):  # noqa: F811
    assert api_answer(action_server, question) is None
    page = open_page(action_server)
    ask(page, question)
    expect(page.locator("#hits article.card").first).to_be_visible()
    expect(page.locator("#answer article")).to_have_count(0)
