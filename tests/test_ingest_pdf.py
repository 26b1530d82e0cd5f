"""`guidekb ingest` of a guide PDF: page numbers in citations, running headers and footers gone, hyphenation
repaired, headings as section paths."""
from __future__ import annotations

import re

import pytest

from guide_fixtures import HYPHENATED, PDF_FOOTER, PDF_HEADER, PDF_SECTIONS, PDF_TITLE, guide_pdf
from index.citation import citation_for
from ingest import GuidekbError, corpus_passages, load_corpus
from ingest.localfiles import ingest_files
from ingest.pdfpage import parse_pdf

PDF_URL = "https://example.org/test-guide_bg.pdf"
# the section each heading opens, and the page the fixture prints it on
PAGE_OF_SECTION = {"1 Обща информация": 1, "1.1 Допустими участници": 1, "2 Финансиране": 2, "3 Отчитане": 3}


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory):
    return guide_pdf(tmp_path_factory.mktemp("pdf") / "guide.pdf")


@pytest.fixture(scope="module")
def ingested(pdf_path):
    corpus = pdf_path.parent / "corpus"
    ingest_files([pdf_path], corpus, url=PDF_URL)
    (doc,) = load_corpus(corpus)
    return doc, corpus_passages([doc])


def test_the_fixture_prints_what_must_be_removed(pdf_path):
    raw = parse_pdf(pdf_path.read_bytes(), "guide.pdf").raw_text
    assert raw.count(PDF_HEADER) == 3 and raw.count(PDF_FOOTER) == 3
    assert {"1", "2", "3"} <= set(raw.splitlines())  # page numbers
    assert any(line.endswith(f" {HYPHENATED[0]}-") for line in raw.splitlines())  # broken at a line end


def test_running_headers_footers_and_page_numbers_are_removed(ingested):
    doc, passages = ingested
    assert PDF_HEADER not in doc.text and PDF_FOOTER not in doc.text
    assert not [line for line in doc.text.splitlines() if re.fullmatch(r"\s*\d+\s*", line)]
    assert all(PDF_HEADER not in p.text + p.context and PDF_FOOTER not in p.text + p.context for p in passages)


def test_hyphenation_at_line_end_is_repaired(ingested):
    _, passages = ingested
    word = "".join(HYPHENATED)
    assert [p for p in passages if f"Крайната {word} за безопасността" in p.text]
    assert not [p for p in passages if f"{HYPHENATED[0]}-" in p.text or f"{HYPHENATED[0]} {HYPHENATED[1]}" in p.text]


def test_every_passage_says_its_page(ingested):
    doc, passages = ingested
    assert doc.format == "pdf" and doc.meta["page_count"] == 3
    for p in passages:
        heading, page = p.section[-2], p.section[-1]
        assert page == f"p. {PAGE_OF_SECTION[heading]}", p.section
        assert p.url == f"{PDF_URL}#page={PAGE_OF_SECTION[heading]}"
        reference = citation_for(p).reference
        assert f"› {page}," in reference and p.url in reference
    assert {p.section[-1] for p in passages} == {"p. 1", "p. 2", "p. 3"}


def test_headings_become_section_paths(ingested):
    doc, passages = ingested
    assert doc.title == PDF_TITLE
    sections = {p.section[:-1] for p in passages}
    assert sections == {(PDF_TITLE, "1 Обща информация"), (PDF_TITLE, "1 Обща информация", "1.1 Допустими участници"),
                        (PDF_TITLE, "2 Финансиране"), (PDF_TITLE, "3 Отчитане")}
    texts = [p.text for p in passages]
    for _, paragraphs in PDF_SECTIONS:
        for paragraph in paragraphs:
            assert paragraph in texts  # each paragraph whole: lines joined, nothing lost
    assert all(doc.text[p.start : p.end] == p.text for p in passages)


def test_edition_and_language_come_from_the_pdf(ingested):
    doc, passages = ingested
    assert doc.edition == "2025 v2"  # the running header says "Programme Guide 2025 (version 2)"
    assert doc.language == "bg"  # detected from the text
    assert citation_for(passages[0]).reference.startswith("Erasmus+ Programme Guide (2025 v2, BG), ")


@pytest.mark.parametrize(("url", "edition"), [
    ("https://example.org/document/erasmus-programme-guide-2026-version-1_bg.pdf", "2026 v1"),
    ("https://example.org/test-guide_bg.pdf", None)])
def test_a_pdf_that_states_no_edition_takes_it_from_its_address(tmp_path, url, edition):
    path = guide_pdf(tmp_path / "guide.pdf", header="Тестов документ на екипа на guidekb")
    ingest_files([path], tmp_path / "corpus", url=url)
    (doc,) = load_corpus(tmp_path / "corpus")
    assert doc.edition == edition and not doc.outdated


def test_a_language_the_pdf_is_not_in_is_refused(pdf_path, tmp_path):
    corpus = tmp_path / "corpus"
    with pytest.raises(GuidekbError) as caught:
        ingest_files([pdf_path], corpus, language="en", url=PDF_URL)
    assert caught.value.code == "language_mismatch" and str(pdf_path) in caught.value.message
    assert not corpus.exists()


def test_a_pdf_needs_its_url(pdf_path, tmp_path):
    with pytest.raises(GuidekbError, match="--url") as caught:
        ingest_files([pdf_path], tmp_path / "corpus")
    assert str(pdf_path) in caught.value.message and not (tmp_path / "corpus").exists()


def test_a_passage_running_over_a_page_break_names_both_pages(tmp_path):
    from ingest import SourceDocument

    text = "# Title\nThe first half of this paragraph is on one page and the second half is on the next.\n"
    second = text.index("the second half")
    doc = SourceDocument(path=tmp_path / "x.txt", text=text, language="en", title="Title", url=PDF_URL, sha256="0",
                         format="pdf", meta={"pages": [[2, 4], [second, 5]]})
    (p,) = corpus_passages([doc])
    assert p.section == ("Title", "pp. 4–5") and p.url == f"{PDF_URL}#page=4"
