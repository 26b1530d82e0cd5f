"""Quality: the evaluation set through every configuration in one run, plus rank_bm25 as the common BM25 baseline."""
from __future__ import annotations

from typing import Sequence

SHIPPED = "hybrid (shipped)"


def configurations(engine) -> list[tuple[str, str, dict | None]]:
    """(name, fusion, weight overrides): each signal alone, RRF, the shipped fusion, and its ablations."""
    from index.evaluate import ABLATIONS

    shipped = engine.settings.fusion
    return ([("BM25 only (bm25s)", "bm25", None), ("dense only (FAISS)", "dense", None),
             ("latent terms only", "latent", None), ("RRF of the three", "rrf", None), (SHIPPED, shipped, None)]
            + [(f"{shipped}, {label}", shipped, weights) for label, weights in ABLATIONS.items()])


def rank_bm25_result(engine, questions: Sequence) -> dict:
    """rank_bm25's BM25Okapi over the same analysed terms as bm25s (same k1, b), so only the library differs."""
    from rank_bm25 import BM25Okapi

    from index.retrieval.analyze import analyze
    from index.evaluate import first_relevant_rank, metrics
    from ingest.languages import UNDETERMINED, detect_language

    passages = engine.index.passages
    bm25 = BM25Okapi([analyze(p.embedding_text(), p.language) for p in passages], k1=1.2, b=0.75)
    corpus_languages = list(engine.index.manifest["languages"])
    ranks, by_lang = [], {}
    for q in questions:
        language = detect_language(q.question)
        terms: list[str] = []
        for lang in dict.fromkeys(([] if language == UNDETERMINED else [language]) + corpus_languages):
            terms.extend(t for t in analyze(q.question, lang) if t not in terms)
        scores = bm25.get_scores(terms) if terms else [0.0] * len(passages)
        order = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-scores[i], i))[:10]
        rank = first_relevant_rank([passages[i].id for i in order], q.relevant)
        ranks.append(rank)
        by_lang.setdefault(q.lang, []).append(rank)
    return {"name": "BM25 only (rank_bm25)", "fusion": "rank_bm25", "overall": metrics(ranks),
            "languages": {lang: metrics(r) for lang, r in sorted(by_lang.items())}}


def run_quality(engine, questions: Sequence) -> list[dict]:
    """Every configuration's overall and per-language Recall@1, Recall@5, MRR@10 (misses dropped)."""
    from index.evaluate import evaluate

    results = []
    for name, fusion, weights in configurations(engine):
        result = evaluate(engine, questions, fusion=fusion, weights=weights, name=name)
        result.pop("misses", None)
        results.append(result)
    results.insert(1, rank_bm25_result(engine, questions))  # next to bm25s
    return results
