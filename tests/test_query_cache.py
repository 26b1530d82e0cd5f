"""The question cache: bounded LRU, thread-safe, transparent to search results, new with every engine."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from index import SearchEngine
from index.retrieval.first_stage import VectorRetrieval
from index.retrieval.query_cache import QueryCache, question_key

Q = "who manages capacity building in youth?"


def test_least_recently_used_entry_is_evicted():
    cache = QueryCache(size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a hit refreshes "a"
    cache.put("c", 3)  # evicts "b", the least recently used
    assert len(cache) == 2
    assert cache.get("a") == 1 and cache.get("c") == 3
    assert cache.get("b") is None
    assert (cache.hits, cache.misses) == (3, 1)


def test_size_zero_caches_nothing():
    cache = QueryCache(size=0)
    cache.put("q", 1)
    assert len(cache) == 0 and cache.get("q") is None


def test_concurrent_use_keeps_the_bound_and_the_counts():
    cache = QueryCache(size=50)
    keys = [f"q{i % 80}" for i in range(400)]

    def worker(offset: int) -> None:
        for k in keys[offset:] + keys[:offset]:
            value = cache.get(k)
            if value is None:
                cache.put(k, value := k.upper())
            assert value == k.upper()

    threads = [threading.Thread(target=worker, args=(n * 37,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 50 and cache.hits + cache.misses == 8 * len(keys)


@pytest.mark.parametrize("text,key", [("  who  manages\tit? ", "who manages it?"), ("Кой\nуправлява", "Кой управлява"),
                                      ("Who", "Who")])
def test_question_key_collapses_whitespace_only(text, key):
    assert question_key(text) == key


def test_repeated_question_is_served_from_the_cache_with_the_same_answer(engine):
    fresh = SearchEngine(engine.index, engine.embedder, engine.settings)  # its own, empty cache
    first = fresh.search(Q, k=5)
    assert (fresh.query_cache.hits, fresh.query_cache.misses) == (0, 1)
    again = fresh.search("  " + Q.replace(" ", "  "), k=3)  # same question, other spacing and k
    assert fresh.query_cache.hits == 1
    assert [h.id for h in again.passages] == [h.id for h in first.passages][:3]
    assert [h.score for h in again.passages] == [h.score for h in first.passages][:3]


def test_cached_vectors_are_the_models_vectors(engine):
    fresh = SearchEngine(engine.index, engine.embedder, engine.settings)
    fresh.search(Q, k=1)
    dense, latent = fresh.query_cache.get(Q)
    assert np.allclose(dense, engine.embedder.embed_queries([Q])[0])
    assert abs(latent - engine.embedder.latent_terms([Q])).max() < 1e-6


def test_a_failed_model_pass_caches_nothing(engine):
    class Failing:
        def embed_queries(self, texts):
            raise RuntimeError("model failed")

        def latent_terms(self, texts):
            return engine.embedder.latent_terms(texts)

    retrieval = VectorRetrieval(Failing(), engine.index, candidates=5)
    with pytest.raises(RuntimeError, match="model failed"):
        retrieval.run(Q, None, meanwhile=lambda: None)
    assert len(retrieval.cache) == 0 and retrieval.cache.misses == 1


def test_a_new_engine_starts_with_an_empty_cache(engine):
    """A reload opens a new engine: nothing cached for the previous index carries over."""
    old = SearchEngine(engine.index, engine.embedder, engine.settings)
    old.search(Q, k=1)
    new = SearchEngine(engine.index, engine.embedder, engine.settings)
    new.search(Q, k=1)
    assert new.query_cache is not old.query_cache and new.query_cache.hits == 0
