"""The aligner's pure parts: page keys, the monotonic alignment with merges and skips, incremental reuse."""
from __future__ import annotations

import numpy as np
import pytest

from index.align import align_corpus, align_sequences, page_key
from index.counterparts import Counterparts


@pytest.mark.parametrize("url, key", [
    ("https://erasmus-plus.ec.europa.eu/bg/programme-guide/part-b/key-action-2#:~:text=x",
     "erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2"),
    ("https://erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2/",
     "erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2"),
    ("https://Erasmus-Plus.ec.europa.eu/de/programme-guide/part-b/key-action-2?x=1",
     "erasmus-plus.ec.europa.eu/programme-guide/part-b/key-action-2"),
])
def test_page_key_drops_language_prefix_fragment_and_query(url, key):
    assert page_key(url) == key


def test_page_key_keeps_a_path_segment_that_only_starts_like_a_language():
    assert page_key("https://x.eu/design/page") == "x.eu/design/page"
    assert page_key("https://x.eu/de/page") != page_key("https://x.eu/design/page")


def unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def clauses(n: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    return unit(np.random.default_rng(seed).normal(size=(n, dim)))


def noisy(v: np.ndarray, scale: float, seed: int) -> np.ndarray:
    return unit(v + np.random.default_rng(seed).normal(scale=scale, size=v.shape))


def test_one_to_one_alignment_of_noisy_translations():
    c = clauses(12)
    links = align_sequences(noisy(c, 0.05, 1), noisy(c, 0.05, 2), [100] * 12, [110] * 12)
    assert [(link.a, link.b) for link in links] == [((i,), (i,)) for i in range(12)]
    assert all(0.7 < link.confidence <= 1.0 for link in links)  # noise 0.05 per dimension: cosine about 0.86


def test_split_sentence_becomes_a_one_to_two_link_and_an_extra_passage_is_left_out():
    c = clauses(10)
    rng = np.random.default_rng(3)
    half = unit(rng.normal(size=c.shape[1]))
    # B splits clause 4 into two halves whose sum points at the clause, and adds a note A does not have
    b = [c[0], c[1], c[2], c[3], unit(c[4] + 0.6 * half), unit(c[4] - 0.6 * half), *c[5:8], unit(rng.normal(size=c.shape[1])),
         *c[8:]]
    b_lengths = [100] * 4 + [50, 50] + [100] * 3 + [200] + [100] * 2
    links = align_sequences(noisy(c, 0.05, 4), noisy(np.array(b), 0.05, 5), [100] * 10, b_lengths)
    pairs = [(link.a, link.b) for link in links]
    assert ((4,), (4, 5)) in pairs
    assert all(9 not in link.b for link in links)  # the note has no counterpart
    assert ((8,), (10,)) in pairs and ((9,), (11,)) in pairs  # and alignment resumes after it


def test_two_to_one_is_found_from_the_other_side_too():
    c = clauses(8, seed=7)
    rng = np.random.default_rng(8)
    half = unit(rng.normal(size=c.shape[1]))
    a = [*c[:3], unit(c[3] + 0.6 * half), unit(c[3] - 0.6 * half), *c[4:]]
    links = align_sequences(noisy(np.array(a), 0.05, 9), noisy(c, 0.05, 10), [100, 100, 100, 50, 50, 100, 100, 100, 100], [100] * 8)
    assert ((3, 4), (3,)) in [(link.a, link.b) for link in links]


def test_empty_side_aligns_nothing():
    assert align_sequences(np.zeros((0, 8)), clauses(3, dim=8), [], [1, 2, 3]) == []


def corpus(seed: int = 0):
    c = clauses(6, seed=seed)
    ids = [f"bg-{i}" for i in range(6)] + [f"en-{i}" for i in range(6)] + ["de-0", "de-1"]
    urls = (["https://x.eu/bg/guide/p"] * 6 + ["https://x.eu/guide/p"] * 6 + ["https://x.eu/de/guide/other"] * 2)
    languages = ["bg"] * 6 + ["en"] * 6 + ["de"] * 2
    vectors = np.vstack([noisy(c, 0.05, 1), noisy(c, 0.05, 2), clauses(2, seed=99)])
    return ids, urls, languages, [("S",)] * 14, [100] * 14, vectors


def test_align_corpus_pairs_pages_by_key_and_reuses_unchanged_page_pairs():
    ids, urls, languages, sections, lengths, vectors = corpus()
    pages, computed = align_corpus(ids, urls, languages, sections, lengths, vectors, "m")
    assert computed == 1 and len(pages) == 1  # the German page is another page: nothing to align it with
    (links,) = pages.values()
    assert [(a, b) for a, b, _ in links] == [([f"bg-{i}"], [f"en-{i}"]) for i in range(6)]
    again, computed = align_corpus(ids, urls, languages, sections, lengths, vectors, "m", previous=pages)
    assert again == pages and computed == 0
    _, computed = align_corpus(ids, urls, languages, sections, lengths, vectors, "other-model", previous=pages)
    assert computed == 1  # another model: aligned anew


def test_counterparts_look_up_both_directions_and_the_clause():
    links = [[["bg-1"], ["en-1", "en-2"], 0.9], [["bg-1"], ["de-1"], 0.8], [["en-1", "en-2"], ["de-1"], 0.85]]
    language_of = {"bg-1": "bg", "en-1": "en", "en-2": "en", "de-1": "de"}
    cp = Counterparts(links, language_of)
    assert [c.language for c in cp.of("bg-1")] == ["en", "de"]  # English (prevailing) first
    assert cp.of("bg-1", ["en"])[0].ids == ("en-1", "en-2")
    assert cp.of("en-2", ["bg"])[0].ids == ("bg-1",) and cp.of("en-2", ["bg"])[0].group == ("en-1", "en-2")
    assert cp.clause("de-1") == {"de-1", "bg-1", "en-1", "en-2"}
    assert cp.of("bg-1", ["fr"]) == []
    # a link naming a passage the index does not hold is ignored
    assert Counterparts([[["bg-1"], ["xx-9"], 0.9]], language_of).of("bg-1") == []
