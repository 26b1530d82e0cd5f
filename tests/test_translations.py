"""The same clause in every language, over a real index of the seed page and its team-written translations.

The English, German and French pages in tests/data/translations were written by the guidekb team for these
tests (see the README there); they are not the official Programme Guide.
"""
from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from fastapi.testclient import TestClient

from conftest import DATA, TRANSLATIONS
from index import SearchEngine, build_settings
from index.crosslang.align_eval import accuracy, gold_groups, predicted_groups, resolve_gold
from index.storage.build import build_index
from index.storage.store import ALIGNMENTS, current_build, read_manifest
from search_api.app import create_app

pytestmark = pytest.mark.slow  # builds a second index (four languages)

EACEA_BG = "тези действия се управляват или от националните агенции"
EACEA_EN = "these actions are managed either by the National Agencies"


def passage_with(engine: SearchEngine, language: str, quote: str):
    (p,) = [p for p in engine.index.passages if p.language == language and quote in p.text]
    return p


def edit_page(corpus, stem: str, old: str, new: str) -> None:
    """Replace text in a corpus page and update the sha256 in its record (test edits of test material)."""
    page = corpus / f"{stem}.txt"
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")
    meta = corpus / f"{stem}.meta.json"
    record = json.loads(meta.read_text(encoding="utf-8"))
    record["sha256"] = hashlib.sha256(page.read_bytes()).hexdigest()
    meta.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def alignments_of(engine: SearchEngine) -> dict:
    return json.loads((engine.index.path / ALIGNMENTS).read_text(encoding="utf-8"))["pages"]


def test_alignment_accuracy_is_at_least_095_for_every_language_pair(multilingual_engine):
    passages = multilingual_engine.index.passages
    language_of = {p.id: p.language for p in passages}
    gold = gold_groups(resolve_gold(TRANSLATIONS / "gold_alignment.json", passages), set(language_of.values()))
    report = accuracy(gold, predicted_groups(alignments_of(multilingual_engine), language_of))
    print(json.dumps(report, indent=1))
    assert set(report) == {"bg-de", "bg-en", "bg-fr", "de-en", "de-fr", "en-fr"}
    assert all(r["gold"] >= 40 for r in report.values())
    assert {pair: r["accuracy"] for pair, r in report.items() if r["accuracy"] < 0.95} == {}


def test_api_returns_the_english_counterpart_of_a_bulgarian_passage(multilingual_engine):
    bg = passage_with(multilingual_engine, "bg", EACEA_BG)
    client = TestClient(create_app(engine=multilingual_engine))
    r = client.get(f"/passages/{bg.id}/translations", params={"lang": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["passage"]["id"] == bg.id
    (en,) = body["translations"]
    assert en["language"] == "en" and en["prevailing"] is True and 0.8 < en["confidence"] <= 1.0
    assert EACEA_EN in en["passages"][0]["text"]
    citation = en["passages"][0]["citation"]
    assert citation["url"].startswith("https://erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2#:~:text=")
    assert "EN)" in citation["reference"] and citation["url"] in citation["reference"]
    # every language when none is asked: English (prevailing) first, only it prevails
    every = client.get(f"/passages/{bg.id}/translations").json()["translations"]
    assert [t["language"] for t in every] == ["en", "de", "fr"]
    assert [t["prevailing"] for t in every] == [True, False, False]


def test_translations_errors_have_the_one_error_shape(multilingual_engine):
    client = TestClient(create_app(engine=multilingual_engine))
    bg = passage_with(multilingual_engine, "bg", EACEA_BG)
    missing = client.get("/passages/bg-000000000000/translations")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "passage_not_found"
    bad = client.get(f"/passages/{bg.id}/translations", params={"lang": "en,xx"})
    assert bad.status_code == 400 and "xx" in bad.json()["error"]["message"]
    unknown = client.get(f"/passages/{bg.id}/translations", params={"langs": "en"})
    assert unknown.status_code == 422
    assert client.get(f"/passages/{bg.id}/translations", params={"lang": "sv"}).json()["translations"] == []


def test_the_split_side_returns_both_passages_and_the_merged_side_names_its_group(multilingual_engine):
    # the English translation splits this Bulgarian paragraph in two (see the translations' README)
    bg = passage_with(multilingual_engine, "bg", EACEA_BG)
    (en,) = multilingual_engine.translations(bg.id, ["en"]).translations
    assert len(en.passages) == 2 and "Full details" in en.passages[1].text
    back = multilingual_engine.translations(en.passages[1].id, ["bg"]).translations[0]
    assert [p.id for p in back.passages] == [bg.id] and back.group == [p.id for p in en.passages]


def test_a_question_is_answered_in_its_language_each_clause_once_with_english_attached(multilingual_engine):
    r = multilingual_engine.search("Wer verwaltet diese Aktionen: die Nationalen Agenturen oder die EACEA?", k=5)
    assert r.language == "de"
    assert [h.language for h in r.passages] == ["de"] * 5
    top = r.passages[0]
    assert "Nationalen Agenturen" in top.text
    en = [t for t in top.translations if t.language == "en"]
    assert en and en[0].prevailing and EACEA_EN in en[0].passages[0].text
    clauses = [multilingual_engine.counterparts.clause(h.id) for h in r.passages]
    assert all(a.isdisjoint(b) for i, a in enumerate(clauses) for b in clauses[i + 1:])


def test_prefer_shows_the_aligned_passage_and_says_which_one_ranked(multilingual_engine):
    question = "who manages capacity building in youth?"
    r = multilingual_engine.search(question, k=5, prefer=["bg"])
    assert [h.language for h in r.passages] == ["bg"] * 5
    swapped = [h for h in r.passages if h.shown_for]
    assert swapped and all(multilingual_engine.get_passage(h.shown_for).language != "bg" for h in swapped)
    assert all(h.shown_for in multilingual_engine.counterparts.clause(h.id) for h in swapped)
    original = multilingual_engine.search(question, k=5, prefer=[])
    assert all(h.shown_for is None for h in original.passages)


def test_languages_filter_is_applied_before_ranking_and_fills_k(multilingual_engine):
    r = multilingual_engine.search("who manages capacity building in youth?", k=20, languages=["fr"])
    assert len(r.passages) == 20 and {h.language for h in r.passages} == {"fr"}
    client = TestClient(create_app(engine=multilingual_engine))
    body = client.get("/search", params={"q": "EACEA", "languages": "bg,de", "k": 6}).json()
    assert len(body["passages"]) == 6 and {h["language"] for h in body["passages"]} <= {"bg", "de"}


def test_two_editions_in_one_corpus_and_a_search_limited_to_one(multilingual_engine, multilingual_settings, tmp_path):
    corpus = shutil.copytree(multilingual_settings.corpus_dir, tmp_path / "corpus", symlinks=True)
    meta = corpus / "ka2_en.meta.json"  # test edit: the English test page now states an edition
    meta.write_text(json.dumps({**json.loads(meta.read_text(encoding="utf-8")), "edition": "Version 1 (2026)"}),
                    encoding="utf-8")
    engine = SearchEngine.open(build_settings(corpus_dir=corpus), embedder=multilingual_engine.embedder)
    client = TestClient(create_app(engine=engine))
    for value in ("2026 v1", "2026-v1", "2026 version 1"):  # one spelling, however the filter is written
        hits = client.get("/search", params={"q": "EACEA", "editions": value, "k": 8}).json()["passages"]
        assert len(hits) == 8 and {h["language"] for h in hits} == {"en"}
        assert all(h["citation"]["edition"] == "2026 v1" and "2026 v1" in h["citation"]["reference"] for h in hits)
    web = client.get("/search", params={"q": "EACEA", "editions": "web version", "k": 8}).json()["passages"]
    assert len(web) == 8 and "en" not in {h["language"] for h in web}
    assert client.get("/search", params={"q": "EACEA", "editions": "2025 v2"}).json()["passages"] == []


def test_alignment_survives_a_rebuild_and_only_changed_pages_are_aligned_again(multilingual_engine, multilingual_settings,
                                                                            tmp_path):
    # multilingual_engine: the corpus copied below must hold its built index, whichever tests ran before this one
    corpus = shutil.copytree(multilingual_settings.corpus_dir, tmp_path / "corpus", symlinks=True)
    settings = build_settings(corpus_dir=corpus)
    before = current_build(settings.resolved_index_dir)
    build_index(settings)  # nothing changed: every vector and every alignment reused
    after = current_build(settings.resolved_index_dir)
    assert after != before
    assert read_manifest(after)["alignment"]["aligned_anew"] == 0
    assert (after / ALIGNMENTS).read_bytes() == (before / ALIGNMENTS).read_bytes()

    # change one French bullet: the three page pairs with French are aligned again, the others are kept
    old = next(line for line in (corpus / "ka2_fr.txt").read_text(encoding="utf-8").splitlines()
               if line.lstrip().startswith("•"))
    edit_page(corpus, "ka2_fr", old, old.rstrip(";") + " (modifié pour le test);")
    report = build_index(settings)
    assert report.embedded == 1
    changed = current_build(settings.resolved_index_dir)
    assert read_manifest(changed)["alignment"]["aligned_anew"] == 3
    old_pages = json.loads((after / ALIGNMENTS).read_text(encoding="utf-8"))["pages"]
    new_pages = json.loads((changed / ALIGNMENTS).read_text(encoding="utf-8"))["pages"]
    assert len(set(old_pages) & set(new_pages)) == 3  # bg-de, bg-en, de-en: same keys, same links
    assert all(old_pages[k] == new_pages[k] for k in set(old_pages) & set(new_pages))


def test_cross_language_retrieval_does_not_get_worse_with_all_languages_indexed(engine, multilingual_engine):
    from index.evaluate import evaluate, questions_for

    single = evaluate(engine, questions_for(engine, DATA / "eval_questions.jsonl"))["overall"]
    several = evaluate(multilingual_engine, questions_for(multilingual_engine, DATA / "eval_questions.jsonl"))["overall"]
    print("bg only:", single, "\nbg+en+de+fr:", several)
    # the answer in any language counts (an aligned translation of the labelled passage is the same clause)
    assert several["mrr@10"] >= single["mrr@10"] - 0.02
    assert several["recall@5"] >= single["recall@5"] - 0.03


def test_cli_translations_human_and_json(multilingual_engine, monkeypatch, capsys):
    from search_api.cli import main

    monkeypatch.setattr(SearchEngine, "open", classmethod(lambda cls, *a, **kw: multilingual_engine))
    bg = passage_with(multilingual_engine, "bg", EACEA_BG)
    assert main(["translations", bg.id, "--lang", "en,de", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [t["language"] for t in body["translations"]] == ["en", "de"]
    assert body == multilingual_engine.translations(bg.id, ["en", "de"]).model_dump()
    main(["translations", bg.id, "--lang", "en"])
    out = capsys.readouterr().out
    assert "EN, prevails" in out and EACEA_EN in out.replace("\n   ", " ")
    assert main(["translations", "bg-000000000000"]) == 2
    assert "no passage with id 'bg-000000000000'" in capsys.readouterr().err


def test_check_consistency_flags_a_figure_the_english_text_does_not_state(multilingual_engine, multilingual_settings,
                                                                         tmp_path, monkeypatch, capsys):
    faithful = multilingual_engine.check_consistency()
    assert faithful.issues == [] and faithful.clauses_checked >= 3 * 40 and faithful.languages == ["bg", "de", "fr"]

    corpus = shutil.copytree(multilingual_settings.corpus_dir, tmp_path / "corpus", symlinks=True)
    # test edits: the Bulgarian and English versions now state different budgets
    edit_page(corpus, "000_edeb0adc036bf658", "Европейски спортни събития с нестопанска цел.",
              "Европейски спортни събития с нестопанска цел, с бюджет до 400 000 EUR.")
    edit_page(corpus, "ka2_en", "Not-for-profit European sport events.",
              "Not-for-profit European sport events, with a budget of up to 450,000 EUR.")
    engine = SearchEngine.open(build_settings(corpus_dir=corpus), embedder=multilingual_engine.embedder)
    report = engine.check_consistency(["bg", "de"])
    issue, german = sorted(report.issues, key=lambda i: i.language != "bg")
    # German was left as it was: it now lacks the amount the English text states, which is flagged too
    assert german.language == "de" and [(d.kind, d.only_in_reference, d.only_in_this) for d in german.differences] == [
        ("amount", ["450000 EUR"], [])]
    assert issue.language == "bg" and "400 000 EUR" in issue.passages[0].text
    assert "450,000 EUR" in issue.reference[0].text and issue.reference[0].language == "en"
    (difference,) = issue.differences
    assert difference.kind == "amount" and difference.only_in_reference == ["450000 EUR"]
    assert difference.only_in_this == ["400000 EUR"]

    from search_api.cli import main
    monkeypatch.setattr(SearchEngine, "open", classmethod(lambda cls, *a, **kw: engine))
    assert main(["check-consistency", "--lang", "bg"]) == 0
    out = capsys.readouterr().out
    assert "1 with differing figures" in out and "amount: EN says 450,000 EUR; BG says 400 000 EUR" in out
    assert out.count("== https://erasmus-plus.ec.europa.eu/programme-guide/") == 1  # grouped under its page
    assert difference.written_in_reference == ["450,000 EUR"] and difference.written_in_this == ["400 000 EUR"]
    assert issue.reference[0].citation.reference in out and issue.passages[0].citation.reference in out


def test_clause_evidence_averages_a_passage_with_its_counterparts_in_every_language(multilingual_engine):
    engine = multilingual_engine
    bg = passage_with(engine, "bg", EACEA_BG)
    row = engine._by_id[bg.id]
    versions = [row] + [engine._by_id[pid] for c in engine.counterparts.of(bg.id) for pid in c.ids]
    assert len({engine.index.passages[i].language for i in versions}) == 4  # bg, de, en, fr
    query = engine.embedder.embed_queries(["who manages these actions?"])[0]
    own = {row: float(engine.index.dense.scores(query, [row])[0])}
    clause = engine._clause_evidence(query, own)
    assert clause[row] == pytest.approx(float(engine.index.dense.scores(query, versions).mean()), abs=1e-6)
    assert clause[row] != pytest.approx(own[row], abs=1e-4)
