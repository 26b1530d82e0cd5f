"""index/retrieval/first_stage.py: the two vector retrievers, each started as soon as its own model pass ends."""
from __future__ import annotations

import numpy as np

from index.retrieval.first_stage import VectorRetrieval, top

Q = "who manages capacity building in youth?"


def test_side_by_side_gives_what_one_after_the_other_gives(engine):
    retrieval = VectorRetrieval(engine.embedder, engine.index, candidates=20)
    first, other = retrieval.run(Q, None, meanwhile=lambda: "bm25 scored")
    assert other == "bm25 scored"
    dense = engine.embedder.embed_queries([Q])[0]
    latent = engine.embedder.latent_terms([Q])
    assert np.allclose(first.dense, dense) and abs(first.latent - latent).max() < 1e-6
    assert list(first.dense_ids) == list(engine.index.dense.search(dense, 20)[0])
    assert np.allclose(first.latent_scores, engine.index.latent.scores(latent))
    again, _ = retrieval.run(Q, None, meanwhile=lambda: None)  # from the cache now: same results
    assert retrieval.cache.hits == 1
    assert list(again.dense_ids) == list(first.dense_ids) and np.allclose(again.latent_scores, first.latent_scores)


def test_encode_gives_the_two_passes_a_search_runs(engine):
    retrieval = VectorRetrieval(engine.embedder, engine.index, candidates=5)
    dense, latent = retrieval.encode(Q)
    assert np.allclose(dense, engine.embedder.embed_queries([Q])[0])
    assert abs(latent - engine.embedder.latent_terms([Q])).max() < 1e-6
    assert len(retrieval.cache) == 0  # encoding alone neither reads nor fills the question cache


def test_allowed_rows_limit_the_dense_candidates_exactly(engine):
    retrieval = VectorRetrieval(engine.embedder, engine.index, candidates=5)
    allowed = np.zeros(len(engine.index.passages), dtype=bool)
    allowed[::3] = True
    first, _ = retrieval.run(Q, allowed, meanwhile=lambda: None)
    rows = np.flatnonzero(allowed)
    exact = engine.index.dense.scores(first.dense, rows.tolist())
    assert sorted(first.dense_ids.tolist()) == sorted(rows[top(np.asarray(exact), 5)].tolist())
    assert allowed[first.dense_ids].all()


def test_top_returns_the_n_best_in_any_order():
    scores = np.array([0.1, 0.9, 0.3, 0.8, 0.2])
    assert sorted(top(scores, 2)) == [1, 3]
    assert sorted(top(scores, 10)) == [0, 1, 2, 3, 4] and top(np.array([]), 3) == []


def _best_values(scores, n):
    return np.sort(scores)[::-1][:n]


def test_top_over_a_large_array_takes_the_n_highest_scores_whatever_their_spread():
    from index.retrieval.first_stage import SAMPLED_FROM, _top_above_sample

    rng = np.random.default_rng(7)
    size = 100_045
    assert size >= SAMPLED_FROM
    sparse = np.zeros(size, np.float32)
    sparse[rng.choice(size, 30, replace=False)] = rng.random(30)  # fewer positive scores than asked for
    masked = rng.random(size).astype(np.float32)
    masked[rng.random(size) < 0.9] = -np.inf  # a filtered search's latent scores
    cases = {
        "continuous": rng.random(size).astype(np.float32),
        "all zero": np.zeros(size, np.float32),
        "mostly zero": sparse,
        "ties": rng.integers(0, 5, size).astype(np.float32),  # thousands equal at the boundary
        "negative": -rng.random(size),
        "filtered": masked,
        "ascending": np.arange(size, dtype=np.float32),
    }
    for name, scores in cases.items():
        for n in (1, 50, 700):
            found = top(scores, n)
            assert len(found) == n == len(set(found)), name
            assert np.array_equal(np.sort(scores[found])[::-1], _best_values(scores, n)), (name, n)
            assert _top_above_sample(scores, n) is not None, name  # the sampled path answered, not the fallback


def test_top_falls_back_to_a_full_partition_when_the_sample_cannot_decide():
    from index.retrieval.first_stage import _top_above_sample

    scores = np.full(20_000, np.nan, np.float32)
    scores[:10] = np.arange(10)
    assert _top_above_sample(scores, 5) is None  # NaN threshold: nothing compares above or equal to it
    assert len(top(scores, 5)) == 5
