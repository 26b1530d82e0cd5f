"""The guide sample (team-written test material in ../shared/guide-sample, not the official guide), as the
real site reaches guidekb: its rendered HTML crawled on 127.0.0.1, and its saved page texts ingested.

Checks what a page is (title, heading path, table rows, no site chrome, no navigation) in both ways, and
runs a few dozen questions of the guide-scale test split over the crawled sample in every language, so the
guide-scale ranking cannot rot unseen (the full evaluation: `guidekb eval ... --sample`, see the README).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.request import urlopen

import pytest

from benchmarks.guide_sample import DEFAULT_SAMPLE, render, text_corpus, crawl_corpus, serve
from ingest import GuidekbError, load_corpus
from ingest.passages import corpus_passages
from ingest.sources import guide_page
from ingest.textpage import CHROME_LINES

QUESTIONS = Path(__file__).parent / "data" / "guide_eval" / "questions.jsonl"
LABEL = Path(__file__).parent / "data" / "guide_eval" / "label.py"
LANGS = ["en", "bg", "de"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    return render(DEFAULT_SAMPLE, tmp_path_factory.mktemp("sample") / "rendered")


@pytest.fixture(scope="module")
def corpora(rendered, tmp_path_factory) -> dict[str, list]:
    base = tmp_path_factory.mktemp("sample-corpora")
    return {"crawl": load_corpus(crawl_corpus(rendered, base / "crawl", LANGS)),
            "text": load_corpus(text_corpus(rendered, base / "text", LANGS))}


def _pages(rendered: Path) -> list[dict]:
    return [p for p in json.loads((rendered / "pages.json").read_text(encoding="utf-8")) if p["path"]]


def test_saved_text_and_crawled_html_give_the_same_titles(rendered, corpora):
    expected = {(page["path"], page["lang"]): page["title"] for page in _pages(rendered)}
    for mode, documents in corpora.items():
        titles = {(guide_page(d.url), d.language): d.title for d in documents}
        assert titles == expected, mode  # every page, each with the title the page shows
        for passage in corpus_passages(documents):
            assert passage.title == expected[guide_page(passage.page_url), passage.language]


def test_no_site_chrome_is_indexed(corpora):
    chrome = {line.casefold() for line in CHROME_LINES} | {"this site uses cookies", "accept all cookies",
                                                            "download the programme guide (pdf)"}
    for mode, documents in corpora.items():
        for passage in corpus_passages(documents):
            text = passage.embedding_text().casefold()
            assert not [c for c in chrome if c in text and c != "erasmus+"], (mode, passage.text)
            assert passage.text.strip().casefold() != "erasmus+"


def test_the_entry_page_is_followed_but_not_indexed(corpora, rendered):
    """The guide's entry page is a list of links to every page: crawled for its links, never a passage."""
    urls = {guide_page(d.url) for d in corpora["crawl"]}
    assert "" not in urls and len(corpora["crawl"]) == len(_pages(rendered)) == 60


def test_table_rows_are_passages_with_their_label_in_both_ways(corpora):
    for mode, documents in corpora.items():
        passages = [p for p in corpus_passages(documents) if p.language == "en"
                    and guide_page(p.page_url) == "part-b/key-action-2/capacity-building-youth"]
        (row,) = [p for p in passages if "To the European Education and Culture Executive Agency" in p.text]
        assert row.kind == "row" and row.text.startswith("Where to apply?")
        assert "Criterion | Requirement" in row.context or mode == "text" and "Criterion" in row.context
        assert row.section[-1] == "Eligibility criteria"
        assert "Capacity building in the field of youth" in row.embedding_text()  # what tells alike rows apart
        embedded = row.embedding_text().splitlines()[-1]
        assert embedded == "Where to apply? — To the European Education and Culture Executive Agency (EACEA)."
        assert row.url.split("#:~:text=")[1].startswith("Where%20to%20apply%3F,")


def test_saved_text_reads_headings_below_the_title(corpora):
    passages = [p for p in corpus_passages(corpora["text"]) if p.language == "de"
                and guide_page(p.page_url) == "part-b/key-action-1/youth-exchanges"]
    assert {p.section[-1] for p in passages} >= {"Förderfähigkeitskriterien", "Vergabekriterien"}
    assert all(p.section[0] == p.title for p in passages)


def test_ingesting_a_navigation_page_says_so(rendered, tmp_path):
    from ingest.localfiles import ingest_files

    entry = rendered / "site" / "programme-guide" / "index.html"
    with pytest.raises(GuidekbError) as info:
        ingest_files([entry], tmp_path / "corpus", url="https://erasmus-plus.ec.europa.eu/programme-guide")
    assert info.value.code == "navigation_page" and not (tmp_path / "corpus").exists()


def test_the_question_set_is_labelled_from_its_drafts(tmp_path):
    """questions.jsonl is what label.py makes of the drafts: no hand edit drifts from them."""
    out = tmp_path / "questions.jsonl"
    drafts = sorted((QUESTIONS.parent / "drafts").glob("*.jsonl"))
    subprocess.run([sys.executable, str(LABEL), "fill", *map(str, drafts), "-o", str(out)], check=True,
                   capture_output=True)
    assert out.read_text(encoding="utf-8") == QUESTIONS.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 300 and len({r["lang"] for r in rows}) >= 14
    assert {r["split"] for r in rows} == {"dev", "test"}


@pytest.mark.slow
def test_guide_scale_check_over_the_crawled_sample(tmp_path_factory):
    """Forty questions of the test split over the sample crawled on loopback in en, bg and de (1,849 passages):
    the floors sit below what the full test split measures (see the README), so a real regression fails."""
    from benchmarks.guide_eval import sample_engine
    from index.evaluate import evaluate, questions_for

    engine = sample_engine("crawl", "all", tmp_path_factory.mktemp("guide-check"))
    questions = questions_for(engine, QUESTIONS, "test")[:40]
    shipped = evaluate(engine, questions)["overall"]
    bm25 = evaluate(engine, questions, fusion="bm25")["overall"]
    print("guide-scale check, 40 test questions:", shipped, "BM25 only:", bm25)
    assert shipped["questions"] == 40
    assert shipped["recall@5"] >= 0.55 and shipped["mrr@10"] >= 0.4, shipped
    assert shipped["mrr@10"] >= bm25["mrr@10"] + 0.1, (shipped, bm25)
    top = engine.search("who manages capacity building in youth?", k=5).passages
    assert "EACEA" in top[0].text and guide_page(top[0].citation.url).endswith("capacity-building-youth")


def test_the_sample_site_is_served_on_the_same_port_run_after_run_and_on_another_when_taken(tmp_path):
    (tmp_path / "index.html").write_text("<p>team-written test page</p>", encoding="utf-8")
    with serve(tmp_path) as first:
        with serve(tmp_path) as second:  # the port is taken: another one, and both answer
            assert second != first
            assert all(urlopen(base + "/index.html").status == 200 for base in (first, second))
    with serve(tmp_path) as again:
        assert again == first  # same URLs, so a crawl's passage ids and vectors are reused
