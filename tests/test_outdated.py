"""Translated pages that lag behind the English one: the notice is found (by its box or its wording), kept out
of the passages, and every passage of the page is cited as outdated with where the current text is.
The notices and pages are written by the team for tests (the site's own wording is unverified)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from guide_fixtures import (ALL_PAGES, MENTIONS_UPDATES, OUTDATED_NOTICE, SITE, guide_document, guide_html,
                            notice_html, page_url, serve_fixture)
from index.citation import citation_for
from ingest import GuidekbError, Passage, corpus_passages, ingest_files, load_corpus
from ingest.outdated import english_url, says_outdated

ENGLISH = SITE + ALL_PAGES["en"]["path"]


def ingest_html(folder: Path, lang: str, **page) -> tuple:
    """Ingest one fixture page; its document, its passages and the record written."""
    path = folder / f"page-{lang}.html"
    path.write_text(guide_html(lang, **page), encoding="utf-8")
    corpus = folder / "corpus"
    (converted,) = ingest_files([path], corpus)
    (doc,) = load_corpus(corpus)
    return doc, corpus_passages([doc]), converted.record


@pytest.mark.parametrize("lang", sorted(OUTDATED_NOTICE))
def test_the_notice_wording_is_recognised_in_each_language(lang):
    assert says_outdated(OUTDATED_NOTICE[lang])
    assert says_outdated(OUTDATED_NOTICE[lang].upper().replace("’", "'"))


@pytest.mark.parametrize("text", [
    *MENTIONS_UPDATES.values(),
    "The grant rates were updated in 2025 and the page reflects the latest decision (test sentence).",
    "Diese Tabelle wird jährlich aktualisiert (Testsatz).",
    "Le tableau est mis à jour chaque année (phrase de test).",
    OUTDATED_NOTICE["en"] + " " + "Long guide paragraph written for tests. " * 12,  # a whole paragraph: page text
])
def test_text_that_merely_mentions_updates_is_no_notice(text):
    assert not says_outdated(text)


@pytest.mark.parametrize(("lang", "where"), [("bg", "notice"), ("de", "notice"), ("bg", "above_main")])
def test_a_notice_box_marks_every_passage_and_cites_the_pdf(tmp_path, lang, where):
    pdf = guide_document(lang)
    doc, passages, record = ingest_html(tmp_path, lang, **{where: notice_html(lang, pdf)})
    assert record["outdated"] is True
    assert record["current_text"] == {"pdf": SITE + pdf, "english": ENGLISH}
    assert OUTDATED_NOTICE[lang][:30] not in doc.text  # the notice is chrome
    assert not any(OUTDATED_NOTICE[lang][:30] in p.text or OUTDATED_NOTICE[lang][:30] in p.context for p in passages)
    assert ALL_PAGES[lang]["budget"] in [p.text for p in passages]  # the page's own text is all there
    for p in passages:
        cite = citation_for(p)
        assert p.outdated and cite.outdated and cite.current_text_url == SITE + pdf
        assert cite.reference.endswith(f"(outdated translation; current text: {SITE + pdf})")


def test_the_wording_alone_is_a_notice_and_without_a_pdf_the_english_page_is_cited(tmp_path):
    # a bare paragraph (no box), and the only PDF linked is the English one: not in the page's language
    doc, passages, record = ingest_html(tmp_path, "bg", notice=notice_html("bg", guide_document("en"), markup=False))
    assert record["current_text"] == {"pdf": None, "english": ENGLISH}
    assert OUTDATED_NOTICE["bg"][:30] not in doc.text
    assert passages and all(citation_for(p).current_text_url == ENGLISH for p in passages)
    assert all(citation_for(p).reference.endswith(f"current text: {ENGLISH})") for p in passages)


@pytest.mark.parametrize("page", [
    {},
    {"notice": '<div class="ecl-message ecl-message--info" role="status"><p>'
               "Тестово съобщение: кандидатстването за тестовото действие е отворено.</p></div>"},  # a box, other words
    {"page": {**ALL_PAGES["bg"], "intro": MENTIONS_UPDATES["bg"]}},  # mentions updates and the latest version
], ids=["plain", "other-message-box", "mentions-updates"])
def test_a_page_without_the_notice_is_not_marked(tmp_path, page):
    doc, passages, record = ingest_html(tmp_path, "bg", **page)
    assert record["outdated"] is False and record["current_text"] is None
    assert not any(p.outdated or citation_for(p).outdated or citation_for(p).current_text_url for p in passages)
    assert "outdated" not in citation_for(passages[0]).reference
    if "page" in page:
        assert MENTIONS_UPDATES["bg"] in [p.text for p in passages]  # still a passage, not taken for a notice


def test_a_page_text_file_with_the_notice(tmp_path):
    url = page_url("bg")
    path = tmp_path / "page.txt"
    path.write_text(f"{ALL_PAGES['bg']['title']}\n{OUTDATED_NOTICE['bg']}\n{ALL_PAGES['bg']['intro']}\n"
                    f"{ALL_PAGES['bg']['budget']}\n", encoding="utf-8")
    (converted,) = ingest_files([path], tmp_path / "corpus", url=url)
    assert converted.record["outdated"] is True and converted.record["current_text"]["english"] == ENGLISH
    passages = corpus_passages(load_corpus(tmp_path / "corpus"))
    assert [p.text for p in passages] == [ALL_PAGES["bg"]["intro"], ALL_PAGES["bg"]["budget"]]
    assert all(p.current_text_url == ENGLISH for p in passages)


def test_passages_of_an_older_index_load_as_not_outdated(tmp_path):
    doc, passages, _ = ingest_html(tmp_path, "en")
    old = passages[0].to_dict()
    del old["outdated"], old["current_text_url"]  # a passages.jsonl line written before these fields
    p = Passage.from_dict(json.loads(json.dumps(old)))
    assert p == passages[0] and not citation_for(p).outdated and citation_for(p).current_text_url is None


@pytest.mark.parametrize("change", [{"outdated": "yes"}, {"current_text": "https://example.org/"},
                                    {"current_text": {"pdf": 3, "english": ENGLISH}}])
def test_a_record_with_a_malformed_outdated_field_is_corrupt(tmp_path, change):
    ingest_html(tmp_path, "en")
    record = next((tmp_path / "corpus").glob("*.meta.json"))
    record.write_text(json.dumps({**json.loads(record.read_text(encoding="utf-8")), **change}), encoding="utf-8")
    with pytest.raises(GuidekbError) as caught:
        load_corpus(tmp_path / "corpus")
    assert caught.value.code == "corpus_corrupt" and "outdated" in caught.value.message


@pytest.mark.parametrize(("url", "english"), [
    ("https://erasmus-plus.ec.europa.eu/bg/programme-guide/part-b/key-action-2",
     "https://erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2"),
    ("http://127.0.0.1:8123/fr/programme-guide/part-a#:~:text=x", "http://127.0.0.1:8123/programme-guide/part-a"),
    ("https://erasmus-plus.ec.europa.eu/programme-guide/part-b", "https://erasmus-plus.ec.europa.eu/programme-guide/part-b"),
])
def test_the_english_page_is_the_same_path_without_the_language(url, english):
    assert english_url(url) == english


def test_a_crawled_page_with_the_notice_is_recorded_outdated(tmp_path):
    from ingest.crawl import crawl

    bg = ALL_PAGES["bg"]["path"]
    pages = {"/robots.txt": ("text/plain", "User-agent: *\nAllow: /\n"),
             "/bg/programme-guide": ("text/html", f'<html lang="bg"><body><main><h1>Тестово ръководство</h1><p>Тестова '
                                     f'начална страница на екипа на guidekb.</p><a href="{bg}">страница</a></main></body></html>'),
             bg: ("text/html", guide_html("bg", canonical=False, notice=notice_html("bg", guide_document("bg"))))}

    def answer(h):
        kind, text = pages.get(h.path, ("text/plain", "not found"))
        h._send(200 if h.path in pages else 404, f"{kind}; charset=utf-8", text.encode("utf-8"))

    server = serve_fixture([], answer)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        report = crawl(tmp_path, ["bg"], base_url=base, delay=0)
    finally:
        server.shutdown()
        server.server_close()
    assert report.new == 2 and base + bg not in report.failed  # (the breadcrumb links part-b, not served)
    records = {r["url"]: r for r in map(json.loads, (p.read_text(encoding="utf-8") for p in tmp_path.glob("*.meta.json")))}
    assert records[base + bg]["current_text"] == {"pdf": base + guide_document("bg"), "english": base + ALL_PAGES["en"]["path"]}
    assert records[base + "/bg/programme-guide"]["outdated"] is False


def test_search_results_say_a_passage_is_outdated(tmp_path):
    from index import SearchEngine, build_settings

    pdf = guide_document("bg")
    ingest_html(tmp_path, "bg", notice=notice_html("bg", pdf))
    english = tmp_path / "page-en.html"
    english.write_text(guide_html("en"), encoding="utf-8")
    ingest_files([english], tmp_path / "corpus")
    engine = SearchEngine.open(build_settings(corpus_dir=tmp_path / "corpus"))
    by_language = {lang: engine.search("бюджет за пътуване на учениците и учителите", k=5, languages=[lang]).passages
                   for lang in ("bg", "en")}
    assert {h.language for h in by_language["bg"]} == {"bg"} and {h.language for h in by_language["en"]} == {"en"}
    assert all(h.citation.outdated and h.citation.current_text_url == SITE + pdf for h in by_language["bg"])
    assert not any(h.citation.outdated or h.citation.current_text_url for h in by_language["en"])
    dumped = by_language["bg"][0].model_dump()["citation"]
    assert dumped["outdated"] is True and "outdated translation" in dumped["reference"]
