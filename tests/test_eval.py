"""Evaluation metrics, and the shipped configuration against the bars on the team's evaluation set."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.evaluate import evaluate, first_relevant_rank, metrics, questions_for

EVAL_FILE = Path(__file__).parent / "data" / "eval_questions.jsonl"


def test_metrics_from_first_relevant_ranks():
    m = metrics([1, 2, None, 11])
    assert m["recall@1"] == 0.25 and m["recall@5"] == 0.5
    assert m["mrr@10"] == pytest.approx((1 + 0.5) / 4)
    assert first_relevant_rank(["a", "b", "c"], frozenset({"c", "x"})) == 3
    assert first_relevant_rank(["a"], frozenset({"x"})) is None


def test_eval_set_covers_enough_languages(engine):
    questions = questions_for(engine, EVAL_FILE)
    langs = {q.lang for q in questions}
    assert len(questions) >= 60 and len(langs) >= 10 and {"bg", "en"} <= langs
    assert all(q.relevant for q in questions)


@pytest.mark.slow
def test_shipped_configuration_meets_the_bars_and_beats_single_retrievers(engine):
    questions = questions_for(engine, EVAL_FILE)
    shipped = evaluate(engine, questions)["overall"]
    dense = evaluate(engine, questions, fusion="dense")["overall"]
    bm25 = evaluate(engine, questions, fusion="bm25")["overall"]
    assert shipped["recall@5"] >= 0.97
    # 0.881 measured; 0.897 with latent terms at 0.4, which costs the guide sample's dev split 0.03 MRR@10
    # (docs/guide-scale-evaluation.md): this page's set was written by the team that tuned on it
    assert shipped["mrr@10"] >= 0.87
    for baseline in (dense, bm25):
        assert shipped["recall@5"] > baseline["recall@5"] and shipped["mrr@10"] > baseline["mrr@10"]
