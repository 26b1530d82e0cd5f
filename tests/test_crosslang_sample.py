"""Cross-language features over part of the guide sample (team-written test material in ../shared/guide-sample,
not the official guide): the six pages it holds in English, Bulgarian and German, ingested as saved page texts
and built with the real model. Alignment against the sample's block-order gold, the consistency check on the
sample as it is and on a copy with planted differences, counterparts on hits and lookups, and a question in a
language the index does not hold."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.align_sample import accuracy_by_kind, page_gold, sample_gold
from benchmarks.guide_sample import DEFAULT_SAMPLE, render
from benchmarks.plant import plant_copy, planted_gold, reported_blocks, score
from index import SearchEngine, build_settings
from index.crosslang.align_eval import predicted_groups
from index.storage.store import ALIGNMENTS
from ingest.sources import guide_page

pytestmark = pytest.mark.slow
LANGS = ("en", "bg", "de")
PAGES = sorted(p.relative_to(DEFAULT_SAMPLE / "de").with_suffix("").as_posix() for p in (DEFAULT_SAMPLE / "de").rglob("*.md"))
REAL = {("part-b/key-action-2/cooperation-partnerships", "bg"): ("duration", ["36 months"], ["24 месеца"]),
        ("part-b/key-action-2/cooperation-partnerships", "de"): ("amount", ["EUR 400 000"], ["450 000 EUR"])}


def ingest_pages(sample: Path, rendered: Path, corpus: Path) -> Path:
    from ingest.localfiles import ingest_files

    for page in json.loads((rendered / "pages.json").read_text(encoding="utf-8")):
        if page["path"] in PAGES and page["lang"] in LANGS:
            ingest_files([rendered / page["text"]], corpus, url=page["url"])
    return corpus


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("crosslang-sample")
    corpus = ingest_pages(DEFAULT_SAMPLE, render(DEFAULT_SAMPLE, base / "rendered"), base / "corpus")
    settings = build_settings(corpus_dir=corpus, index_dir=base / "index")
    return base, SearchEngine.open(settings)


@pytest.fixture(scope="module")
def engine(built):
    return built[1]


def test_alignment_matches_the_block_order_gold_for_every_pair_and_kind(engine):
    passages = engine.index.passages
    gold = sample_gold(passages)
    assert gold.exceptions == []
    alignments = json.loads((engine.index.path / ALIGNMENTS).read_text(encoding="utf-8"))["pages"]
    report = accuracy_by_kind(gold, predicted_groups(alignments, {p.id: p.language for p in passages}))
    print(json.dumps(report, indent=1))
    assert set(report) == {"bg-de", "bg-en", "de-en"}
    assert {k for r in report.values() for k in r} == {"paragraph", "bullet", "row", "heading", "all"}
    low = {(pair, kind): r["accuracy"] for pair, kinds in report.items() for kind, r in kinds.items() if r["accuracy"] < 0.97}
    assert low == {} and all(r["all"]["gold"] >= 150 for r in report.values())


def test_consistency_reports_the_sample_s_real_differences_and_nothing_else(engine):
    report = engine.check_consistency()
    found = {(guide_page(i.page), i.language): [(d.kind, d.written_in_reference, d.written_in_this) for d in i.differences]
             for i in report.issues}
    assert found == {key: [value] for key, value in REAL.items()} and len(report.issues) == 2
    for issue in report.issues:  # both citations: the English clause and this language's, each on its own page
        assert [p.language for p in issue.reference] == ["en"] and {p.language for p in issue.passages} == {issue.language}
        assert guide_page(issue.reference[0].citation.url) == guide_page(issue.passages[0].citation.url)


def test_consistency_finds_every_planted_difference(built, tmp_path):
    base, engine = built
    plants = plant_copy(tmp_path / "sample", 7, plants=12, skip=frozenset(
        (page, lang, block) for (page, lang) in REAL for block in _real_blocks(engine, page, lang)))
    # only the six pages of this index: others were planted into pages it does not hold
    plants = [p for p in plants if p.page in PAGES]
    shutil.copytree(base / "index", tmp_path / "index", symlinks=True)  # only changed passages are embedded again
    corpus = ingest_pages(tmp_path / "sample", render(tmp_path / "sample", tmp_path / "rendered"), tmp_path / "corpus")
    planted = SearchEngine.open(build_settings(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder=engine.embedder)
    gold = planted_gold(plants, tmp_path / "sample")
    known = {(page, lang, block) for (page, lang) in REAL for block in _real_blocks(engine, page, lang)}
    result = score(gold, reported_blocks(planted, planted.check_consistency(), tmp_path / "sample"), known)
    print(result)
    assert len(gold) >= 3 and result["recall"] == 1.0 and result["precision"] >= 0.95, result


def _real_blocks(engine, page, lang) -> set[int]:
    passages = [p for p in engine.index.passages if p.language == lang and guide_page(p.page_url) == page]
    gold = page_gold(lang, page, passages)
    issue_ids = {p.id for i in engine.check_consistency([lang]).issues for p in i.passages}
    return {gold.block_of[i] for i in issue_ids if i in gold.block_of}


@pytest.mark.parametrize("kind", ["paragraph", "bullet", "row"])
def test_every_passage_has_its_counterparts_with_their_own_citations(engine, kind):
    """Every passage of the kind on every page: its English and other-language versions are the same Markdown
    block of the same page, each cited with its own page URL."""
    passages = engine.index.passages
    by_page = {}
    for p in passages:
        by_page.setdefault((guide_page(p.page_url), p.language), []).append(p)
    golds = {key: page_gold(key[1], key[0], ps) for key, ps in by_page.items()}
    checked = 0
    for p in passages:
        if p.kind != kind:
            continue
        block = golds[guide_page(p.page_url), p.language].block_of[p.id]
        response = engine.translations(p.id)
        expected = [lang for lang in ("en",) if lang != p.language] + sorted({"bg", "de"} - {p.language})
        assert [t.language for t in response.translations] == expected, p.id  # English (prevailing) first
        for t in response.translations:
            for q in t.passages:
                assert golds[guide_page(q.citation.url), t.language].block_of[q.id] == block, (p.text, q.text)
                assert q.citation.language == t.language and guide_page(q.citation.url) == guide_page(p.page_url)
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("question, language", [
    ("Πόσο διαρκεί ένα σχέδιο συνεργασίας;", "el"),  # test questions, written by the team
    ("Ile trwa partnerstwo na rzecz współpracy?", "pl"),
    ("Kuinka kauan yhteistyökumppanuus kestää?", "fi"),
])
def test_a_question_in_a_language_the_index_lacks_is_answered_in_english_first(engine, question, language):
    response = engine.search(question, k=5, lang=language)
    assert [h.language for h in response.passages] == ["en"] * 5
    for hit in response.passages:  # each with the Bulgarian and German versions the index holds beside it
        assert hit.translations == [] or {t.language for t in hit.translations} <= {"bg", "de"}
    assert any(guide_page(h.citation.url).endswith("cooperation-partnerships") for h in response.passages)
    bulgarian = engine.search(question, k=5, lang=language, prefer=["bg"])
    assert [h.language for h in bulgarian.passages] == ["bg"] * 5


def test_a_hit_carries_its_clause_in_the_question_s_language_and_in_english(engine):
    response = engine.search("Wie lange dauert eine Kooperationspartnerschaft?", k=5, lang="de")
    assert [h.language for h in response.passages] == ["de"] * 5
    for hit in response.passages:  # English first; the language it ranked in, when it was shown for another
        ranked = engine.get_passage(hit.shown_for).language if hit.shown_for else None
        assert [t.language for t in hit.translations] == ["en"] + ([ranked] if ranked not in (None, "en", "de") else [])
        english = hit.translations[0]
        assert english.prevailing and english.passages[0].citation.language == "en"
        assert guide_page(english.passages[0].citation.url) == guide_page(hit.citation.url)
