"""`guidekb ingest` of saved pages of the official site (HTML): main content only, sections, tables, footnotes,
language checks; then a real index over the seed page plus these pages."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import copy_corpus
from guide_fixtures import CHROME, PAGES, guide_html, guide_pdf, page_url
from ingest import GuidekbError, corpus_passages, load_corpus
from ingest.localfiles import ingest_files
from ingest.sources import sha256_bytes
from search_api.cli import main

LANGS = sorted(PAGES)


def write_page(folder: Path, lang: str, **kwargs) -> Path:
    path = folder / f"page-{lang}.html"
    path.write_text(guide_html(lang, **kwargs), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """lang -> (document, passages) of the fixture page ingested into a fresh corpus."""
    folder = tmp_path_factory.mktemp("html")
    corpus = folder / "corpus"
    ingest_files([write_page(folder, lang) for lang in LANGS], corpus)
    docs = {doc.language: doc for doc in load_corpus(corpus)}
    return {lang: (docs[lang], corpus_passages([docs[lang]])) for lang in LANGS}


def by_text(passages, text: str):
    (found,) = [p for p in passages if p.text.startswith(text)]
    return found


def listing(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in folder.iterdir()} if folder.exists() else {}


@pytest.mark.parametrize("lang", LANGS)
def test_site_chrome_never_reaches_a_passage(ingested, lang):
    doc, passages = ingested[lang]
    html = guide_html(lang)
    for chrome in CHROME[lang]:
        assert chrome in html  # the fixture really carries it
        assert chrome not in doc.text, chrome
        for p in passages:
            assert chrome not in p.text + p.context + p.outline + " ".join(p.section), (chrome, p.id)


@pytest.mark.parametrize("lang", LANGS)
def test_headings_become_section_paths(ingested, lang):
    doc, passages = ingested[lang]
    page = PAGES[lang]
    breadcrumb = tuple(page["crumbs"][2:])  # below the site's and the guide's home pages, like the seed's record
    assert doc.title == page["title"] and doc.format == "html" and doc.language == lang
    assert all(p.section[: len(breadcrumb) + 1] == (*breadcrumb, page["title"]) for p in passages)
    assert by_text(passages, page["intro"]).section == (*breadcrumb, page["title"])
    assert by_text(passages, page["items"][0]).section[-1] == page["h2a"]
    assert by_text(passages, page["deadline"]).section[-2:] == (page["h2a"], page["h3"])  # h3 under its h2
    assert by_text(passages, page["budget"]).section[-1] == page["h2c"]  # a new h2 closes the h3
    assert {p.text for p in passages}.isdisjoint({page["title"], page["h2a"], page["h3"], page["h2b"]})


@pytest.mark.parametrize("lang", LANGS)
def test_lists_keep_their_lead_in(ingested, lang):
    _, passages = ingested[lang]
    page = PAGES[lang]
    for item in page["items"]:
        bullet = by_text(passages, item)
        assert bullet.kind == "bullet" and bullet.context == page["lead"]


@pytest.mark.parametrize("lang", LANGS)
def test_tables_become_rows(ingested, lang):
    _, passages = ingested[lang]
    page = PAGES[lang]
    (h_band, h_amount) = page["table_head"]
    for band, amount in page["table_rows"]:
        row = by_text(passages, f"{band} — {amount}")  # the row label, then its value
        assert row.text == f"{band} — {amount}" and row.kind == "row"
        assert row.context == f"{page['table_caption']}:\n{h_band} | {h_amount}" and row.section[-1] == page["h2b"]
        # the fragment runs from the label's cell to the value's: the page never shows the " — " between them
        assert unquote(row.url).endswith(f"#:~:text={band},{amount}")


@pytest.mark.parametrize("lang", LANGS)
def test_footnote_stays_with_the_passage_citing_it(ingested, lang):
    _, passages = ingested[lang]
    page = PAGES[lang]
    citing = by_text(passages, page["deadline"])
    assert citing.text == page["deadline"] + "[1]."
    assert citing.context == f"[1] {page['note']}"
    assert page["note"] in citing.embedding_text()  # embedded and BM25-indexed with it
    assert not [p for p in passages if page["note"] in p.text]  # not a passage of its own
    assert "[1]" not in unquote(citing.url)  # the page shows a superscript, not "[1]"


@pytest.mark.parametrize("lang", LANGS)
def test_offsets_point_into_the_stored_text_and_the_original_is_kept(ingested, lang):
    doc, passages = ingested[lang]
    assert all(doc.text[p.start : p.end] == p.text for p in passages)
    original = doc.path.parent / doc.meta["original"]
    assert original.read_text(encoding="utf-8") == guide_html(lang)
    assert sha256_bytes(original.read_bytes()) == doc.meta["original_sha256"]
    assert doc.url == page_url(lang) and all(p.page_url == page_url(lang) for p in passages)
    assert [p.position for p in passages] == list(range(1, len(passages) + 1))


def test_reingesting_a_page_replaces_it_with_the_same_ids(ingested, tmp_path):
    corpus = tmp_path / "corpus"
    page = write_page(tmp_path, "en")
    ingest_files([page], corpus)
    first = [p.id for p in corpus_passages(load_corpus(corpus))]
    ingest_files([page], corpus)
    assert len(list(corpus.glob("*.meta.json"))) == 1
    assert [p.id for p in corpus_passages(load_corpus(corpus))] == first == [p.id for p in ingested["en"][1]]


def _attribute_wrong(folder: Path) -> tuple[Path, dict]:
    return write_page(folder, "en", lang_attribute="bg"), {}


def _url_wrong(folder: Path) -> tuple[Path, dict]:
    return write_page(folder, "en"), {"url": page_url("bg")}


def _given_wrong(folder: Path) -> tuple[Path, dict]:
    return write_page(folder, "bg"), {"language": "en"}


def _text_wrong(folder: Path) -> tuple[Path, dict]:
    """Bulgarian text under an English lang attribute and an English URL."""
    path = folder / "page-bg.html"
    html = guide_html("bg", lang_attribute="en").replace(PAGES["bg"]["path"], PAGES["en"]["path"])
    path.write_text(html, encoding="utf-8")
    return path, {}


@pytest.mark.parametrize("damage", [_attribute_wrong, _url_wrong, _given_wrong, _text_wrong],
                         ids=["lang attribute", "URL prefix", "--language", "text"])
def test_language_mismatch_is_refused_and_writes_nothing(tmp_path, damage):
    corpus = copy_corpus(tmp_path / "corpus")
    before = listing(corpus)
    path, options = damage(tmp_path)
    with pytest.raises(GuidekbError) as caught:
        ingest_files([path], corpus, **options)
    assert caught.value.code == "language_mismatch"
    assert str(path) in caught.value.message
    assert listing(corpus) == before


def _unknown_format(folder: Path) -> tuple[list[Path], dict]:
    path = folder / "guide.docx"
    path.write_bytes(b"PK\x03\x04 not a guide page")
    return [path], {}


def _no_url(folder: Path) -> tuple[list[Path], dict]:
    return [write_page(folder, "en", canonical=False)], {}


def _damaged_pdf(folder: Path) -> tuple[list[Path], dict]:
    path = guide_pdf(folder / "guide.pdf")
    path.write_bytes(path.read_bytes()[:400])
    return [path], {"url": "https://example.org/guide.pdf"}


def _one_good_one_bad(folder: Path) -> tuple[list[Path], dict]:
    return [write_page(folder, "en"), write_page(folder, "bg", lang_attribute="en")], {}


def _same_url_twice(folder: Path) -> tuple[list[Path], dict]:
    other = folder / "copy.html"
    other.write_text(guide_html("en"), encoding="utf-8")
    return [write_page(folder, "en"), other], {}


@pytest.mark.parametrize(("code", "damage"), [
    ("bad_input", _unknown_format), ("bad_input", _no_url), ("bad_input", _damaged_pdf),
    ("language_mismatch", _one_good_one_bad), ("bad_input", _same_url_twice)],
    ids=["unknown format", "no URL", "unreadable PDF", "one good one bad", "same URL twice"])
def test_bad_input_is_refused_and_writes_nothing(tmp_path, code, damage):
    corpus = copy_corpus(tmp_path / "corpus")
    before = listing(corpus)
    paths, options = damage(tmp_path)
    with pytest.raises(GuidekbError) as caught:
        ingest_files(paths, corpus, **options)
    assert caught.value.code == code
    assert any(str(p) in caught.value.message for p in paths)
    assert listing(corpus) == before


def test_a_url_already_in_the_corpus_under_another_name_is_refused(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    (seed,) = load_corpus(corpus)
    before = listing(corpus)
    with pytest.raises(GuidekbError) as caught:
        ingest_files([write_page(tmp_path, "bg")], corpus, url=seed.url)
    assert seed.path.name in caught.value.message and listing(corpus) == before


def test_a_record_with_an_unknown_format_is_corrupt(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    (record,) = corpus.glob("*.meta.json")
    record.write_text(json.dumps({**json.loads(record.read_text(encoding="utf-8")), "format": "docx"}), encoding="utf-8")
    with pytest.raises(GuidekbError, match="format 'docx'") as caught:
        load_corpus(corpus)
    assert caught.value.code == "corpus_corrupt"


def test_cli_ingest(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    assert main(["ingest", str(write_page(tmp_path, "bg")), "--corpus", str(corpus), "--json"]) == 0
    (done,) = json.loads(capsys.readouterr().out)["ingested"]
    assert (done["language"], done["format"], done["url"]) == ("bg", "html", page_url("bg"))
    assert (corpus / done["source"]).is_file() and (corpus / done["original"]).is_file()
    before = listing(corpus)
    assert main(["ingest", str(write_page(tmp_path, "en")), "--corpus", str(corpus), "--language", "bg"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "page-en.html" in err and "language mismatch" in err
    assert listing(corpus) == before


@pytest.mark.slow
def test_an_index_over_seed_and_ingested_pages_answers_in_english(tmp_path):
    from index import SearchEngine, build_settings

    corpus = copy_corpus(tmp_path / "corpus")
    ingest_files([write_page(tmp_path, lang) for lang in LANGS], corpus)
    ingest_files([guide_pdf(tmp_path / "guide.pdf")], corpus, url="https://example.org/test-guide_bg.pdf")
    engine = SearchEngine.open(build_settings(corpus_dir=corpus))
    assert set(engine.index.manifest["languages"]) == {"bg", "en"}
    response = engine.search("By what date must schools send their field trip application?", k=5)
    top = response.passages[0]
    assert (top.language, top.text) == ("en", PAGES["en"]["deadline"] + "[1].")
    assert top.citation.section.endswith("Who can apply? › Deadline for applications")
    assert top.citation.url.startswith(page_url("en") + "#:~:text=")
    response = engine.search("Когато 14 март е в почивен ден, кога е срокът?", k=5)
    assert any(h.text.startswith(PAGES["bg"]["deadline"]) for h in response.passages[:3])
