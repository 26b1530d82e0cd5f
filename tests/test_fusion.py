"""The pure fusion functions, on hand-made signals."""
from __future__ import annotations

import pytest

from index.ranking.fusion import FUSERS, max_normalised, rrf, weighted_sum

SIGNALS = {
    "dense": {0: 0.80, 1: 0.78, 2: 0.60},
    "latent": {0: 0.10, 1: 0.30, 2: 0.05},
    "bm25": {2: 12.0, 1: 3.0},
    "intent": {2: 1.0},
}


def test_weighted_sum_adds_weighted_scores_with_bm25_max_normalised():
    ranked = weighted_sum(SIGNALS, {"dense": 1.0, "latent": 0.5, "bm25": 0.1, "intent": 0.0})
    scores = dict(ranked)
    assert scores[1] == pytest.approx(0.78 + 0.15 + 0.1 * 0.25)
    assert scores[2] == pytest.approx(0.60 + 0.025 + 0.1)
    assert [i for i, _ in ranked] == [1, 0, 2]


def test_a_zero_weight_switches_a_signal_off():
    with_intent = weighted_sum(SIGNALS, {"dense": 1.0, "intent": 0.5})
    without = weighted_sum(SIGNALS, {"dense": 1.0, "intent": 0.0})
    assert with_intent[0][0] == 2 and without[0][0] == 0


def test_rrf_uses_ranks_not_scores():
    ranked = rrf(SIGNALS, {"dense": 1.0, "latent": 1.0, "bm25": 1.0}, k=60)
    # passage 1: ranks 2, 1, 2 -> best sum of 1/(60 + rank)
    assert ranked[0][0] == 1
    assert ranked[0][1] == pytest.approx(1 / 62 + 1 / 61 + 1 / 62)


def test_single_signal_rankers_and_empty_input():
    assert [i for i, _ in FUSERS["dense"](SIGNALS, {})] == [0, 1, 2]
    assert [i for i, _ in FUSERS["bm25"](SIGNALS, {})] == [2, 1]
    assert max_normalised({}) == {} and max_normalised({3: 0.0}) == {}
    assert weighted_sum({}, {"dense": 1.0}) == []


def test_page_evidence_gives_every_candidate_its_pages_best_score_in_any_language():
    from index.ranking.fusion import page_evidence

    # rows 0-2 are one page (0 and 1 in one language, 2 in another), row 3 another page
    scores = {0: 0.2, 1: 0.5, 2: 0.7, 3: 0.6}
    assert page_evidence(scores, [0, 0, 0, 1]) == {0: 0.7, 1: 0.7, 2: 0.7, 3: 0.6}
    assert page_evidence({}, [0]) == {}


def test_clause_evidence_is_the_mean_over_a_clauses_versions_and_a_lone_passage_keeps_its_own():
    from index.ranking.fusion import clause_evidence

    # row 0 is one clause in three languages (rows 0, 4, 5), row 1 has one counterpart (row 6), row 2 none
    scores = {0: 0.9, 1: 0.6, 2: 0.5, 4: 0.6, 5: 0.6, 6: 0.8}
    members = {0: [0, 4, 5], 1: [1, 6], 2: [2]}
    assert clause_evidence(members, scores) == pytest.approx({0: 0.7, 1: 0.7, 2: 0.5})
    assert clause_evidence({}, scores) == {}
