"""Guide editions: found where a page, a PDF or an address states them, and spelt one way ("2026 v1") in
records, passages, citations and filter values. Page texts here are written by the team for tests."""
from __future__ import annotations

import json

import pytest

from guide_fixtures import ALL_PAGES, guide_document, guide_html, notice_html
from index.citation import citation_for
from ingest import corpus_passages, ingest_files, load_corpus
from ingest.editions import edition_of, normalise_edition


@pytest.mark.parametrize("value", ["2026 v1", "2026-v1", "2026 version 1", "2026, version 1", "2026 (Version 1)",
                                   "Version 1 (2026)", "v1 2026", "2026v1", " 2026  V1 ", "2026_v01",
                                   "Programme Guide 2026 (version 1)"])
def test_every_spelling_of_an_edition_normalises_to_one(value):
    assert normalise_edition(value) == "2026 v1"


@pytest.mark.parametrize(("value", "normal"), [("web version", "web version"), ("Web  Version", "web version"),
                                               ("2027", "2027"), ("2026 v2", "2026 v2"), ("2025 v1", "2025 v1")])
def test_other_values_are_only_trimmed_and_never_confused(value, normal):
    assert normalise_edition(value) == normal


@pytest.mark.parametrize(("stated", "edition"), [
    ("Version 3 (2023): 04-04-2023", "2023 v3"),  # the PDF cover, English
    ("Версия 1 (2024): 28-11-2023", "2024 v1"),  # Bulgarian
    ("Version 2 (2025): 20-02-2025", "2025 v2"),  # German and French write "Version" too
    ("Versión 1 (2026)", "2026 v1"), ("Wersja 2 (2025)", "2025 v2"), ("Έκδοση 1 (2026)", "2026 v1"),
    ("Erasmus+ Programme Guide 2025 (version 2)", "2025 v2"), ("Programmleitfaden 2025, Version 2", "2025 v2"),
    ("Guide du programme 2026 – version 1", "2026 v1"), ("Ръководство за програмата 2025 версия 2", "2025 v2"),
    ("https://erasmus-plus.ec.europa.eu/bg/document/erasmus-programme-guide-2025-version-2", "2025 v2"),
    ("https://example.org/files/2026-erasmusplus-programme-guide-v1_de.pdf", "2026 v1"),
    ("Programme Guide, web pages, 2025", None), ("In 2025 the versions of the form differ", None),
    ("Call 2025 for 12 projects", None),
])
def test_edition_as_the_guide_states_it(stated, edition):
    assert edition_of(f"Erasmus+\n{stated}\nTable of contents") == edition


def _ingest(tmp_path, lang: str, **page):
    path = tmp_path / f"{lang}.html"
    path.write_text(guide_html(lang, **page), encoding="utf-8")
    ingest_files([path], tmp_path / "corpus")
    (doc,) = load_corpus(tmp_path / "corpus")
    return doc, corpus_passages([doc])


def test_a_web_page_stating_its_edition_carries_it_to_every_citation(tmp_path):
    page = {**ALL_PAGES["bg"], "intro": ALL_PAGES["bg"]["intro"] + " Версия 2 (2025)."}
    doc, passages = _ingest(tmp_path, "bg", page=page)
    assert doc.edition == "2025 v2"
    assert {citation_for(p).edition for p in passages} == {"2025 v2"}
    assert citation_for(passages[0]).reference.startswith("Erasmus+ Programme Guide (2025 v2, BG), ")


def test_a_current_page_is_of_the_edition_of_its_pdf_link(tmp_path):
    sidebar = f'<a href="{guide_document("de", "2026-version-1")}">Programmleitfaden (PDF)</a>'
    doc, _ = _ingest(tmp_path, "de", sidebar=sidebar)
    assert doc.edition == "2026 v1"


def test_an_outdated_page_does_not_take_the_edition_of_the_pdf_it_points_to(tmp_path):
    notice = notice_html("de", guide_document("de", "2026-version-1"))
    doc, _ = _ingest(tmp_path, "de", notice=notice, sidebar=f'<a href="{guide_document("de")}">Version 1 (2026)</a>')
    assert doc.outdated and doc.edition is None


def test_a_page_in_another_language_s_pdf_link_gives_no_edition(tmp_path):
    doc, _ = _ingest(tmp_path, "de", sidebar=f'<a href="{guide_document("en", "2026-version-1")}">PDF</a>')
    assert doc.edition is None


def test_a_record_written_with_the_old_spelling_loads_normalised(tmp_path):
    _ingest(tmp_path, "en")
    record = next((tmp_path / "corpus").glob("*.meta.json"))
    record.write_text(json.dumps({**json.loads(record.read_text(encoding="utf-8")), "edition": "2025, version 2"}),
                      encoding="utf-8")
    (doc,) = load_corpus(tmp_path / "corpus")
    assert doc.edition == "2025 v2" and {p.edition for p in corpus_passages([doc])} == {"2025 v2"}
